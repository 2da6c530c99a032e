#include "model/data_form.hpp"

#include <cassert>

#include "model/namespaces.hpp"

namespace mucsim::model {

namespace {

constexpr std::string_view xdata_validate = "http://jabber.org/protocol/xdata-validate";

Element data_element(std::string_view name, std::string_view text = {}) {
    Element element{std::string(name), std::string(ns::data_forms)};
    if (!text.empty()) element.text(text);
    return element;
}

Element render_field(const FormField& field, std::string_view form_type) {
    assert(!field.type.empty());
    Element element = data_element("field");
    element.set("type", field.type);
    if (!field.var.empty()) element.set("var", field.var);
    if (!field.label.empty() && form_type != "submit") element.set("label", field.label);
    if (!field.desc.empty() && form_type != "submit") element.append(data_element("desc", field.desc));
    if (!field.datatype.empty() && form_type == "form") {
        Element validate{"validate", std::string(xdata_validate)};
        validate.set("datatype", field.datatype);
        element.append(std::move(validate));
    }
    if (form_type == "form") {
        for (const FormOption& option : field.options) {
            Element option_element = data_element("option");
            option_element.set("label", option.label);
            option_element.append(data_element("value", option.value));
            element.append(std::move(option_element));
        }
    }
    for (const std::string& value : field.values) element.append(data_element("value", value));
    if (field.required && form_type == "form") element.append(data_element("required"));
    return element;
}

}  // namespace

Element render_form(const Form& form) {
    Element x = data_element("x");
    x.set("type", form.type);
    if (form.type == "cancel") return x;
    if (form.type != "submit") {
        if (!form.title.empty()) x.append(data_element("title", form.title));
        if (!form.instructions.empty()) x.append(data_element("instructions", form.instructions));
    }
    for (const FormField& field : form.fields) x.append(render_field(field, form.type));
    return x;
}

FormField hidden_field(std::string_view var, std::string_view value) {
    FormField field;
    field.var = var;
    field.type = "hidden";
    field.values = {std::string(value)};
    return field;
}

FormField fixed_field(std::string_view value) {
    FormField field;
    field.type = "fixed";
    field.values = {std::string(value)};
    return field;
}

FormField text_field(std::string_view var, std::string_view label, std::optional<std::string_view> value) {
    FormField field;
    field.var = var;
    field.type = "text-single";
    field.label = label;
    if (value) field.values = {std::string(*value)};
    return field;
}

FormField boolean_field(std::string_view var, std::string_view label, std::optional<bool> value) {
    FormField field;
    field.var = var;
    field.type = "boolean";
    field.label = label;
    if (value) field.values = {*value ? "1" : "0"};
    return field;
}

const SubmittedField* SubmittedForm::field(std::string_view var) const {
    for (const SubmittedField& f : fields) {
        if (f.var == var) return &f;
    }
    return nullptr;
}

std::optional<std::string> SubmittedForm::first_value(std::string_view var) const {
    const SubmittedField* f = field(var);
    if (f == nullptr || f->values.empty()) return std::nullopt;
    return f->values.front();
}

std::string SubmittedForm::form_type() const {
    const SubmittedField* f = field("FORM_TYPE");
    if (f == nullptr || f->values.empty()) return "";
    return f->values.front();
}

SubmittedForm read_form(const Element& x) {
    SubmittedForm form;
    form.type = x.attribute("type");
    form.has_children = x.element_count() > 0;
    for (const Element* field : x.elements("field")) {
        if (form.fields.size() >= form_fields_max) break;
        SubmittedField submitted;
        submitted.var = field->attribute("var");
        for (const Element* value : field->elements("value")) {
            if (submitted.values.size() >= field_values_max) break;
            submitted.values.push_back(value->text_content());
        }
        form.fields.push_back(std::move(submitted));
    }
    return form;
}

std::optional<bool> parse_boolean(std::string_view text) {
    if (text == "1" || text == "true") return true;
    if (text == "0" || text == "false") return false;
    return std::nullopt;
}

}  // namespace mucsim::model
