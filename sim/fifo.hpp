#pragma once
// A first-in first-out queue over one vector: a client's link, backlog and
// inbox hold a few stanzas, and a world is copied at every explored step.
// std::deque allocates its map and a block even when empty; this allocates
// nothing until something is queued, and a copy takes only what is queued.

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <utility>
#include <vector>

namespace mucsim::sim {

template <class T>
class Fifo {
public:
    Fifo() = default;
    Fifo(const Fifo& other) : items_(other.begin(), other.end()) {}
    Fifo(Fifo&&) noexcept = default;
    Fifo& operator=(const Fifo& other) {
        if (this != &other) {
            items_.assign(other.begin(), other.end());
            head_ = 0;
        }
        return *this;
    }
    Fifo& operator=(Fifo&&) noexcept = default;

    bool empty() const { return head_ == items_.size(); }
    std::size_t size() const { return items_.size() - head_; }
    T& front() {
        assert(!empty());
        return items_[head_];
    }
    const T& front() const {
        assert(!empty());
        return items_[head_];
    }
    T& back() {
        assert(!empty());
        return items_.back();
    }
    void push_back(T item) { items_.push_back(std::move(item)); }
    template <class... Args>
    T& emplace_back(Args&&... args) {
        return items_.emplace_back(std::forward<Args>(args)...);
    }
    void pop_front() {
        assert(!empty());
        items_[head_] = T();  // release what it held now
        ++head_;
        if (head_ == items_.size()) {
            clear();
        } else if (head_ >= 32 && head_ * 2 >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }
    void clear() {
        items_.clear();
        head_ = 0;
    }

    auto begin() const { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() const { return items_.end(); }
    auto begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
    auto end() { return items_.end(); }

    bool operator==(const Fifo& other) const {
        return size() == other.size() && std::equal(begin(), end(), other.begin());
    }

private:
    std::vector<T> items_;
    std::size_t head_ = 0;
};

}  // namespace mucsim::sim
