package stanza

import "encoding/xml"

// NSData is the XEP-0004 data forms namespace.
const NSData = "jabber:x:data"

// Data form types (XEP-0004 §3.1). FormToFill is type "form": a form the
// receiver is asked to fill in (its fields may carry current values).
const (
	FormToFill = "form"
	FormSubmit = "submit"
	FormCancel = "cancel"
	FormResult = "result"
)

// Form is an XEP-0004 data form, <x xmlns='jabber:x:data'/>. Reported and
// item sections (§3.4) are not modelled; they are not used by MUC.
type Form struct {
	XMLName      xml.Name `xml:"jabber:x:data x"`
	Type         string   `xml:"type,attr"`
	Title        string   `xml:"title,omitempty"`
	Instructions []string `xml:"instructions"`
	Fields       []Field  `xml:"field"`
}

// Field is one <field/> of a data form (XEP-0004 §3.2).
type Field struct {
	Var      string    `xml:"var,attr,omitempty"`
	Type     string    `xml:"type,attr,omitempty"`
	Label    string    `xml:"label,attr,omitempty"`
	Desc     string    `xml:"desc,omitempty"`
	Required *struct{} `xml:"required"`
	Values   []string  `xml:"value"`
	Options  []Option  `xml:"option"`
}

// Option is one <option/> of a list field.
type Option struct {
	Label string `xml:"label,attr,omitempty"`
	Value string `xml:"value"`
}

// FormType returns the value of the hidden FORM_TYPE field (XEP-0068), or
// "" when there is none.
func (f *Form) FormType() string {
	v, _ := f.Value("FORM_TYPE")
	return v
}

// Field returns the field with the given var.
func (f *Form) Field(name string) (*Field, bool) {
	for i := range f.Fields {
		if f.Fields[i].Var == name {
			return &f.Fields[i], true
		}
	}
	return nil, false
}

// Value returns the first value of the named field and whether the field
// is present.
func (f *Form) Value(name string) (string, bool) {
	fl, ok := f.Field(name)
	if !ok {
		return "", false
	}
	if len(fl.Values) == 0 {
		return "", true
	}
	return fl.Values[0], true
}

// Values returns all values of the named field.
func (f *Form) Values(name string) []string {
	if fl, ok := f.Field(name); ok {
		return fl.Values
	}
	return nil
}

// Set replaces the values of the named field, adding the field if absent.
func (f *Form) Set(name string, values ...string) {
	if fl, ok := f.Field(name); ok {
		fl.Values = values
		return
	}
	f.Fields = append(f.Fields, Field{Var: name, Values: values})
}

// ParseBool parses an XEP-0004 boolean field value ("1"/"true" or
// "0"/"false", §3.3).
func ParseBool(v string) (value, ok bool) {
	switch v {
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
}

// Element returns the form as a payload element. It is built directly in
// canonical form and cannot fail, however large the form.
func (f *Form) Element() Element {
	var w xmlBuilder
	f.write(&w)
	return w.element(NSData, "x")
}

func (f *Form) write(w *xmlBuilder) {
	w.start("x", NSData)
	w.b = appendAttr(w.b, "type", f.Type)
	m := w.content()
	w.optText("title", f.Title)
	for _, in := range f.Instructions {
		w.text("instructions", in)
	}
	for i := range f.Fields {
		fl := &f.Fields[i]
		w.start("field", "")
		w.attr("var", fl.Var)
		w.attr("type", fl.Type)
		w.attr("label", fl.Label)
		fm := w.content()
		w.optText("desc", fl.Desc)
		if fl.Required != nil {
			w.empty("required")
		}
		for _, v := range fl.Values {
			w.text("value", v)
		}
		for _, o := range fl.Options {
			w.start("option", "")
			w.attr("label", o.Label)
			om := w.content()
			w.text("value", o.Value)
			w.end("option", om)
		}
		w.end("field", fm)
	}
	w.end("x", m)
}
