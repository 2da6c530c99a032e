#pragma once
// XEP-0004 data forms: building forms the way Prosody's util.dataforms renders
// them, and reading submitted ones.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/xml.hpp"

namespace mucsim::model {

struct FormOption {
    std::string label;
    std::string value;
};

// One field as rendered. Child order is Prosody's: desc, validate, options,
// values, required.
struct FormField {
    std::string var;   // empty for fixed section headers
    std::string type;  // text-single, boolean, list-multi, hidden, fixed, …
    std::string label;
    std::string desc;
    std::string datatype;  // xdata-validate datatype, rendered in forms only
    std::vector<FormOption> options;
    std::vector<std::string> values;  // no <value> at all when empty
    bool required = false;
};

struct Form {
    std::string type = "form";  // form, result, submit, cancel
    std::string title;
    std::string instructions;
    std::vector<FormField> fields;
};

Element render_form(const Form& form);

// Convenience constructors for fields.
FormField hidden_field(std::string_view var, std::string_view value);
FormField fixed_field(std::string_view value);
FormField text_field(std::string_view var, std::string_view label, std::optional<std::string_view> value);
// A boolean with no <value> when `value` is empty, else "1" / "0".
FormField boolean_field(std::string_view var, std::string_view label, std::optional<bool> value);

// A submitted form, as far as the MUC reads it.
struct SubmittedField {
    std::string var;
    std::vector<std::string> values;
};

struct SubmittedForm {
    std::string type;
    bool has_children = false;  // any child element at all (an empty submit is an instant room)
    std::vector<SubmittedField> fields;

    // The first field with this var, or nullptr.
    const SubmittedField* field(std::string_view var) const;
    // The first value of the field, or nullopt when the field is absent or has no <value>.
    std::optional<std::string> first_value(std::string_view var) const;
    // The FORM_TYPE value, "" when there is none.
    std::string form_type() const;
};

// Fields beyond this many are ignored: a limit on hostile input.
inline constexpr std::size_t form_fields_max = 64;
inline constexpr std::size_t field_values_max = 64;

// Reads a jabber:x:data element.
SubmittedForm read_form(const Element& x);

// "1"/"true" → true, "0"/"false" → false, anything else → nullopt.
std::optional<bool> parse_boolean(std::string_view text);

}  // namespace mucsim::model
