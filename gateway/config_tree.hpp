#pragma once
// A read-only YAML document for the feeds.yaml loader, built from yaml-cpp's parser events
// (YAML::Parser + YAML::EventHandler) instead of YAML::Load's node graph: a 100,000-feed,
// 10,000-user file is ~1.5 million nodes, which yaml-cpp's shared_ptr nodes hold in ~750 MB
// and this tree in ~60 MB.
//
// It keeps what the loader reads from YAML::Node, with the same meaning:
// - kind: null (`key:`, `~`, `null`), scalar, sequence or map; an empty scalar ("") is not
//   null;
// - a scalar's text and tag as yaml-cpp reports them ("?" plain, "!" quoted, a resolved
//   `!!str` as "tag:yaml.org,2002:str"); a null has the tag "";
// - each node's mark (0-based line and column of its first character, or of its anchor);
// - a mapping's pairs in file order, repeated keys included (the loader rejects them);
// - an alias is the anchored node itself (same mark, same children), as in yaml-cpp;
// - whether a collection was written in flow style ([a, b], {k: v}).
//
// Nodes live in one vector, scalar text in one string, children as indices. ConfigNode
// is a small handle (tree pointer + index): valid while its ConfigTree lives and is not
// moved. Threading: a built tree is immutable; read it from any thread.

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace feedpop::gateway {

class ConfigTree;

// 0-based like YAML::Mark; -1 for a node that is not in the file (an absent node).
struct ConfigMark {
  int line = -1;
  int column = -1;
};

class ConfigNode {
public:
  enum class Kind : std::uint8_t { null, scalar, sequence, map };

  ConfigNode() = default; // absent: null, no mark (an empty document's root)

  Kind kind() const;
  bool is_null() const { return kind() == Kind::null; }
  bool is_scalar() const { return kind() == Kind::scalar; }
  bool is_sequence() const { return kind() == Kind::sequence; }
  bool is_map() const { return kind() == Kind::map; }

  std::string_view scalar() const; // "" unless a scalar
  std::string_view tag() const;
  ConfigMark mark() const;
  bool flow() const; // a collection written in flow style

  // A sequence's items or a map's pairs (0 for the others).
  std::size_t size() const;
  ConfigNode item(std::size_t i) const;  // sequence
  ConfigNode key(std::size_t i) const;   // map
  ConfigNode value(std::size_t i) const; // map

  // Range-for over a sequence's items (`for (ConfigNode item : node.items())`) and a map's
  // pairs (`for (auto [key, value] : node.pairs())`); empty for the other kinds.
  template <typename T> class Range;
  Range<ConfigNode> items() const;
  Range<std::pair<ConfigNode, ConfigNode>> pairs() const;

private:
  friend class ConfigTree;
  ConfigNode(const ConfigTree* tree, std::uint32_t index) : tree_(tree), index_(index) {}
  ConfigNode child(std::size_t i) const;

  const ConfigTree* tree_ = nullptr;
  std::uint32_t index_ = 0;
};

class ConfigTree {
public:
  // The first document of `text` (none: a null root). Throws YAML::ParserException, with
  // its mark, on a syntax error, as YAML::Load does, and on a document beyond the tree's
  // limits (4 GiB of scalar text, 4 billion nodes, 65,535 different tags).
  static ConfigTree parse(const std::string& text);

  ConfigTree() = default;
  ConfigTree(ConfigTree&&) = default;
  ConfigTree& operator=(ConfigTree&&) = default;
  ConfigTree(const ConfigTree&) = delete;
  ConfigTree& operator=(const ConfigTree&) = delete;

  ConfigNode root() const { return has_root_ ? ConfigNode(this, root_) : ConfigNode(); }
  std::size_t node_count() const { return nodes_.size(); }

private:
  friend class ConfigNode;
  friend class ConfigTreeBuilder;

  struct Entry {
    std::uint32_t first = 0; // scalar: offset in text_; collection: first index in children_
    std::uint32_t size = 0;  // scalar: length; sequence: items; map: pairs
    std::int32_t line = -1;
    std::int32_t column = -1;
    std::uint16_t tag = 0; // index in tags_
    ConfigNode::Kind kind = ConfigNode::Kind::null;
    bool flow = false;
  };

  std::vector<Entry> nodes_;
  std::vector<std::uint32_t> children_; // map: key, value, key, value ...
  std::string text_;
  std::vector<std::string> tags_{""};
  std::uint32_t root_ = 0;
  bool has_root_ = false;
};

template <typename T> class ConfigNode::Range {
public:
  class iterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = T;

    iterator(ConfigNode node, std::size_t i) : node_(node), i_(i) {}
    T operator*() const {
      if constexpr (std::is_same_v<T, ConfigNode>) {
        return node_.item(i_);
      } else {
        return {node_.key(i_), node_.value(i_)};
      }
    }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const iterator& other) const { return i_ == other.i_; }
    bool operator!=(const iterator& other) const { return i_ != other.i_; }

  private:
    ConfigNode node_;
    std::size_t i_;
  };

  Range(ConfigNode node, std::size_t size) : node_(node), size_(size) {}
  iterator begin() const { return {node_, 0}; }
  iterator end() const { return {node_, size_}; }
  std::size_t size() const { return size_; }

private:
  ConfigNode node_;
  std::size_t size_;
};

inline ConfigNode::Range<ConfigNode> ConfigNode::items() const {
  return {*this, is_sequence() ? size() : 0};
}

inline ConfigNode::Range<std::pair<ConfigNode, ConfigNode>> ConfigNode::pairs() const {
  return {*this, is_map() ? size() : 0};
}

} // namespace feedpop::gateway
