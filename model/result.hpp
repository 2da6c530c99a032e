#pragma once
// A value or an input error: errors from input are values, not exceptions
// (DESIGN.md, conventions). C++20 has no std::expected, so this is the small
// subset the project needs.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace mucsim::model {

// Where in an input something went wrong, and what. `line` and `column` are
// 1-based; 0 means "not known".
struct InputError {
    int line = 0;
    int column = 0;
    std::string message;
};

template <class T, class E = InputError>
class Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(E error) : state_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & {
        assert(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(state_));
    }
    const E& error() const {
        assert(!ok());
        return std::get<1>(state_);
    }

    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, E> state_;
};

}  // namespace mucsim::model
