#pragma once
// A compact, read-only XML tree parsed in place (internal to feeds/).
//
// Why our own and not pugixml (which feedpop used before): Debian's prebuilt pugixml
// allocates its tree in fixed 32 KiB pages (PUGIXML_MEMORY_PAGE_SIZE is a compile-time
// setting of the library), so every document cost at least ~33 KB: 55× a typical small
// feed, and the reason issue 3's "peak memory ≤ 3× the input" could not be met. This tree
// counts its nodes in a first pass and allocates exactly that: 40 bytes per element or
// text node and 16 per attribute, nothing per document beyond two vectors.
//
// What it reads is what the feed walker needs, with pugixml's semantics where they matter
// to the result (the walker and its tests were written against them):
//  - elements, attributes, text and CDATA; comments, processing instructions and the
//    DOCTYPE are skipped (no DTD is read, no entity is ever expanded: the five predefined
//    references and numeric ones are decoded, anything else stays literal text);
//  - line ends are normalised (CR LF and CR → LF); in attribute values TAB, LF and CR
//    become a space (CR LF one space), as XML 1.0 §3.3.3 asks;
//  - text made only of whitespace between tags is dropped; an element's leading text is
//    stored in the element itself (`Node::value`), later text runs are child nodes;
//  - parsing stops at the first error and keeps everything before it; the error names the
//    problem and its byte offset. Several top-level elements are accepted (garbage after
//    the root element is the caller's business).
// Names and values are views into the parsed buffer, which must outlive the Document.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace feedpop::feeds::xml {

enum class NodeType : std::uint8_t { document, element, pcdata, cdata };

class Document;
class Node;
template <bool Build> class Scanner;

class Attribute {
public:
  std::string_view name() const { return name_; }
  std::string_view value() const { return value_; }

private:
  friend class AttributeRange;
  Attribute(std::string_view name, std::string_view value) : name_(name), value_(value) {}
  std::string_view name_, value_;
};

class AttributeRange {
public:
  class iterator {
  public:
    Attribute operator*() const;
    iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator!=(const iterator& o) const { return index_ != o.index_; }

  private:
    friend class AttributeRange;
    iterator(const Document* doc, std::uint32_t index) : doc_(doc), index_(index) {}
    const Document* doc_;
    std::uint32_t index_;
  };
  iterator begin() const { return {doc_, first_}; }
  iterator end() const { return {doc_, first_ + count_}; }

private:
  friend class Node;
  AttributeRange(const Document* doc, std::uint32_t first, std::uint32_t count)
      : doc_(doc), first_(first), count_(count) {}
  const Document* doc_;
  std::uint32_t first_, count_;
};

class ChildRange;

// A handle to a node of a Document (cheap to copy); a default one is "no node".
class Node {
public:
  Node() = default;
  explicit operator bool() const { return doc_ != nullptr; }
  NodeType type() const;
  std::string_view name() const;  // qualified name of an element, "" otherwise
  std::string_view value() const; // text of a text or CDATA node; an element's leading text
  ChildRange children() const;
  AttributeRange attributes() const;

private:
  friend class Document;
  friend class ChildRange;
  Node(const Document* doc, std::uint32_t index) : doc_(doc), index_(index) {}
  const Document* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

class ChildRange {
public:
  class iterator {
  public:
    Node operator*() const { return {doc_, index_}; }
    iterator& operator++();
    bool operator!=(const iterator& o) const { return index_ != o.index_; }

  private:
    friend class ChildRange;
    iterator(const Document* doc, std::uint32_t index) : doc_(doc), index_(index) {}
    const Document* doc_;
    std::uint32_t index_;
  };
  iterator begin() const { return {doc_, first_}; }
  iterator end() const { return {doc_, 0}; }

private:
  friend class Node;
  ChildRange(const Document* doc, std::uint32_t first) : doc_(doc), first_(first) {}
  const Document* doc_;
  std::uint32_t first_;
};

struct ParseStatus {
  bool ok = true;
  std::size_t offset = 0;       // where the error was found
  const char* description = ""; // e.g. "start-end tags mismatch"
  explicit operator bool() const { return ok; }
};

class Document {
public:
  Document() = default;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // Parses `buffer` in place (decoded text overwrites it). Documents of 4 GiB or more are
  // refused. A Document is parsed once.
  ParseStatus parse_in_place(std::string& buffer);
  Node root() const { return {this, 0}; } // the document node; its children are top level

  // Calls f(Node) for every element, in document order (a linear scan, no recursion).
  template <class F> void for_each_element(F&& f) const {
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
      if (nodes_[i].type == NodeType::element) {
        f(Node(this, static_cast<std::uint32_t>(i)));
      }
    }
  }

  std::size_t node_count() const { return nodes_.size(); }
  std::size_t attribute_count() const { return attributes_.size(); }
  std::size_t allocated_bytes() const {
    return nodes_.capacity() * sizeof(NodeData) + attributes_.capacity() * sizeof(AttributeData);
  }

private:
  friend class Node;
  friend class ChildRange;
  friend class AttributeRange;
  template <bool Build> friend class Scanner;

  struct Span {
    std::uint32_t offset = 0, size = 0;
  };
  struct NodeData {
    Span name, value;
    std::uint32_t first_child = 0, last_child = 0, next_sibling = 0; // 0: none
    std::uint32_t first_attribute = 0, attribute_count = 0;
    NodeType type = NodeType::document;
  };
  struct AttributeData {
    Span name, value;
  };

public:
  static constexpr std::size_t node_bytes = sizeof(NodeData);
  static constexpr std::size_t attribute_bytes = sizeof(AttributeData);
  static_assert(node_bytes == 40 && attribute_bytes == 16);

private:
  std::string_view view(Span s) const { return {base_ + s.offset, s.size}; }

  const char* base_ = nullptr;
  std::vector<NodeData> nodes_;
  std::vector<AttributeData> attributes_;
};

inline Attribute AttributeRange::iterator::operator*() const {
  const auto& a = doc_->attributes_[index_];
  return {doc_->view(a.name), doc_->view(a.value)};
}

inline NodeType Node::type() const {
  return doc_->nodes_[index_].type;
}
inline std::string_view Node::name() const {
  return doc_->view(doc_->nodes_[index_].name);
}
inline std::string_view Node::value() const {
  return doc_->view(doc_->nodes_[index_].value);
}
inline ChildRange Node::children() const {
  return {doc_, doc_->nodes_[index_].first_child};
}
inline AttributeRange Node::attributes() const {
  const auto& n = doc_->nodes_[index_];
  return {doc_, n.first_attribute, n.attribute_count};
}
inline ChildRange::iterator& ChildRange::iterator::operator++() {
  index_ = doc_->nodes_[index_].next_sibling;
  return *this;
}

} // namespace feedpop::feeds::xml
