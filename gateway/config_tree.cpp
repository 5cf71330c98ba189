#include "gateway/config_tree.hpp"

#include <algorithm>
#include <istream>
#include <limits>
#include <streambuf>
#include <unordered_map>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace feedpop::gateway {

using Kind = ConfigNode::Kind;

// Turns the parser's events into ConfigTree entries, with yaml-cpp's NodeBuilder's
// meaning (src/nodebuilder.cpp): an anchor names the node it precedes from the moment the
// node starts (so an alias inside it refers back to it), an alias adds the anchored node
// again, and a mapping's children arrive as key, value, key, value.
//
// A collection's children are collected on a stack of pending indices while it is open and
// copied into children_ in one block when it ends, so each collection's children are
// contiguous although nested collections interleave in the event stream.
class ConfigTreeBuilder final : public YAML::EventHandler {
public:
  explicit ConfigTreeBuilder(ConfigTree& tree) : tree_(tree) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    done(add(mark, anchor, Kind::null, ""));
  }

  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    // The parser refuses an alias to an unknown anchor; an index out of range cannot occur.
    done(anchor < anchors_.size() ? anchors_[anchor] : add({}, 0, Kind::null, ""));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const std::uint32_t index = add(mark, anchor, Kind::scalar, tag);
    auto& entry = tree_.nodes_[index];
    entry.first = checked(tree_.text_.size());
    entry.size = checked(value.size());
    tree_.text_ += value;
    done(index);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    open(add(mark, anchor, Kind::sequence, tag), style);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    open(add(mark, anchor, Kind::map, tag), style);
  }
  void OnMapEnd() override { close(); }

private:
  struct Open {
    std::uint32_t node;
    std::size_t first_pending;
  };

  // Beyond the tree's 32-bit indices and 16-bit tag numbers: refused like a syntax error
  // (at the last event's mark), so a caller sees only yaml-cpp's exceptions.
  std::uint32_t checked(std::size_t n) const {
    if (n > std::numeric_limits<std::uint32_t>::max()) {
      throw YAML::ParserException(mark_, "the document is too large for feedpop");
    }
    return static_cast<std::uint32_t>(n);
  }

  // Tags by number; consecutive nodes mostly repeat one ("?" plain, "!" quoted).
  std::uint16_t tag_index(const std::string& tag) {
    auto& tags = tree_.tags_;
    if (tag == tags[last_tag_]) {
      return last_tag_;
    }
    const auto [it, inserted] = tag_numbers_.try_emplace(tag, tags.size());
    if (inserted) {
      if (tags.size() > std::numeric_limits<std::uint16_t>::max()) {
        throw YAML::ParserException(mark_, "more than 65,535 different tags");
      }
      tags.push_back(tag);
    }
    last_tag_ = static_cast<std::uint16_t>(it->second);
    return last_tag_;
  }

  std::uint32_t add(const YAML::Mark& mark, YAML::anchor_t anchor, Kind kind,
                    const std::string& tag) {
    mark_ = mark;
    const std::uint32_t index = checked(tree_.nodes_.size());
    ConfigTree::Entry entry;
    entry.line = mark.line;
    entry.column = mark.column;
    entry.kind = kind;
    entry.tag = tag_index(tag);
    tree_.nodes_.push_back(entry);
    if (anchor != YAML::NullAnchor) {
      if (anchors_.size() <= anchor) {
        anchors_.resize(anchor + 1);
      }
      anchors_[anchor] = index;
    }
    return index;
  }

  void open(std::uint32_t index, YAML::EmitterStyle::value style) {
    tree_.nodes_[index].flow = style == YAML::EmitterStyle::Flow;
    open_.push_back({index, pending_.size()});
  }

  void close() {
    const Open o = open_.back();
    open_.pop_back();
    auto& entry = tree_.nodes_[o.node];
    const std::size_t count = pending_.size() - o.first_pending;
    entry.first = checked(tree_.children_.size());
    entry.size = checked(entry.kind == Kind::map ? count / 2 : count);
    tree_.children_.insert(tree_.children_.end(),
                           pending_.begin() + static_cast<std::ptrdiff_t>(o.first_pending),
                           pending_.end());
    pending_.resize(o.first_pending);
    done(o.node);
  }

  // A complete node: the root, or the next child of the innermost open collection.
  void done(std::uint32_t index) {
    if (open_.empty()) {
      tree_.root_ = index;
      tree_.has_root_ = true;
    } else {
      pending_.push_back(index);
    }
  }

  ConfigTree& tree_;
  YAML::Mark mark_; // of the last node started
  std::unordered_map<std::string, std::size_t> tag_numbers_{{"", 0}};
  std::uint16_t last_tag_ = 0;
  std::vector<std::uint32_t> anchors_{0}; // anchor_t -> node; yaml-cpp numbers from 1
  std::vector<Open> open_;
  std::vector<std::uint32_t> pending_;
};

namespace {

// `text` as an input stream without a copy of it (a 100,000-feed file is 14 MB). The get
// area is only read: std::streambuf writes to it only in a putback, which the parser does
// not use, and the default pbackfail() refuses.
class TextBuffer final : public std::streambuf {
public:
  explicit TextBuffer(const std::string& text) {
    char* begin = const_cast<char*>(text.data());
    setg(begin, begin, begin + text.size());
  }
};

} // namespace

ConfigTree ConfigTree::parse(const std::string& text) {
  TextBuffer buffer(text);
  std::istream in(&buffer);
  YAML::Parser parser(in);
  ConfigTree tree;
  ConfigTreeBuilder builder(tree);
  parser.HandleNextDocument(builder);
  return tree;
}

ConfigNode::Kind ConfigNode::kind() const {
  return tree_ == nullptr ? Kind::null : tree_->nodes_[index_].kind;
}

std::string_view ConfigNode::scalar() const {
  if (!is_scalar()) {
    return {};
  }
  const auto& entry = tree_->nodes_[index_];
  return std::string_view(tree_->text_).substr(entry.first, entry.size);
}

std::string_view ConfigNode::tag() const {
  return tree_ == nullptr ? std::string_view() : tree_->tags_[tree_->nodes_[index_].tag];
}

ConfigMark ConfigNode::mark() const {
  if (tree_ == nullptr) {
    return {};
  }
  const auto& entry = tree_->nodes_[index_];
  return {entry.line, entry.column};
}

bool ConfigNode::flow() const {
  return tree_ != nullptr && tree_->nodes_[index_].flow;
}

std::size_t ConfigNode::size() const {
  return is_sequence() || is_map() ? tree_->nodes_[index_].size : 0;
}

ConfigNode ConfigNode::child(std::size_t i) const {
  return {tree_, tree_->children_[tree_->nodes_[index_].first + i]};
}

ConfigNode ConfigNode::item(std::size_t i) const {
  return is_sequence() && i < size() ? child(i) : ConfigNode();
}

ConfigNode ConfigNode::key(std::size_t i) const {
  return is_map() && i < size() ? child(2 * i) : ConfigNode();
}

ConfigNode ConfigNode::value(std::size_t i) const {
  return is_map() && i < size() ? child(2 * i + 1) : ConfigNode();
}

} // namespace feedpop::gateway
