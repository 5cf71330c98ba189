// Fuzzes the XML tree (feeds/xml_tree.hpp) alone, which runs far faster than the whole
// feed parser: arbitrary bytes must never crash it, every name and value must lie inside
// the parsed buffer, and the counting pass must size the storage exactly (no growth).
#include <cstddef>
#include <cstdint>
#include <string>

#include "feeds/xml_tree.hpp"

namespace xml = feedpop::feeds::xml;

namespace {

void check_inside(const std::string& buffer, std::string_view s) {
  if (!s.empty() &&
      (s.data() < buffer.data() || s.data() + s.size() > buffer.data() + buffer.size())) {
    __builtin_trap();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string buffer(reinterpret_cast<const char*>(data), size);
  xml::Document doc;
  xml::ParseStatus status = doc.parse_in_place(buffer);
  if (status.offset > size) {
    __builtin_trap();
  }
  std::size_t elements = 0, attributes = 0;
  doc.for_each_element([&](xml::Node n) {
    ++elements;
    check_inside(buffer, n.name());
    check_inside(buffer, n.value());
    if (n.name().empty()) {
      __builtin_trap();
    }
    for (xml::Attribute a : n.attributes()) {
      ++attributes;
      check_inside(buffer, a.name());
      check_inside(buffer, a.value());
    }
    for (xml::Node c : n.children()) {
      check_inside(buffer, c.value());
    }
  });
  if (elements >= doc.node_count() || attributes != doc.attribute_count()) {
    __builtin_trap();
  }
  // The first pass counts at least what the second builds: the vectors never grew.
  if (doc.allocated_bytes() < doc.node_count() * xml::Document::node_bytes +
                                  doc.attribute_count() * xml::Document::attribute_bytes ||
      (status &&
       doc.allocated_bytes() != doc.node_count() * xml::Document::node_bytes +
                                    doc.attribute_count() * xml::Document::attribute_bytes)) {
    __builtin_trap();
  }
  return 0;
}
