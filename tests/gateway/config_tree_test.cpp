// The loader's YAML tree (gateway/config_tree.hpp) against yaml-cpp's own node graph
// (YAML::Load) for the same text: kinds, scalars, tags, marks, pairs in order and flow
// style must agree node by node, so the loader reads what it read from YAML::Node.
#include "gateway/config_tree.hpp"

#include <set>
#include <string>
#include <utility>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace feedpop::gateway {
namespace {

ConfigNode::Kind kind_of(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Scalar:
    return ConfigNode::Kind::scalar;
  case YAML::NodeType::Sequence:
    return ConfigNode::Kind::sequence;
  case YAML::NodeType::Map:
    return ConfigNode::Kind::map;
  default:
    return ConfigNode::Kind::null;
  }
}

using Seen = std::set<std::pair<int, int>>;

// Compares two trees node by node; `seen` (collections by mark) stops at a collection
// reached again through an alias (an anchored collection may contain an alias to itself).
void expect_same(const YAML::Node& want, const ConfigNode& got, const std::string& where,
                 Seen& seen) {
  ASSERT_EQ(kind_of(want), got.kind()) << where;
  EXPECT_EQ(want.Mark().line, got.mark().line) << where;
  EXPECT_EQ(want.Mark().column, got.mark().column) << where;
  EXPECT_EQ(want.Tag(), got.tag()) << where;
  if (want.IsScalar()) {
    EXPECT_EQ(want.Scalar(), got.scalar()) << where;
    return;
  }
  if (want.IsNull() || !seen.insert({want.Mark().line, want.Mark().column}).second) {
    return;
  }
  EXPECT_EQ(want.Style() == YAML::EmitterStyle::Flow, got.flow()) << where;
  ASSERT_EQ(want.size(), got.size()) << where;
  std::size_t i = 0;
  for (auto it = want.begin(); it != want.end(); ++it, ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (want.IsSequence()) {
      expect_same(*it, got.item(i), at, seen);
    } else {
      expect_same(it->first, got.key(i), at + ".key", seen);
      expect_same(it->second, got.value(i), at + ".value", seen);
    }
  }
}

void expect_same_as_yaml_cpp(const std::string& text) {
  SCOPED_TRACE(text);
  const ConfigTree tree = ConfigTree::parse(text);
  Seen seen;
  expect_same(YAML::Load(text), tree.root(), "root", seen);
}

TEST(ConfigTree, AgreesWithYamlCppOnKindsScalarsTagsAndMarks) {
  expect_same_as_yaml_cpp("a: 1\nb:\nc: ''\nd: ~\ne: null\nf: \"x y\"\ng: !!str\nh: !!str 12\n"
                          "i: !custom v\nj: |\n  two\n  lines\nk: >-\n  folded\n  text\n");
  expect_same_as_yaml_cpp("feeds:\n  lwn:\n    url: https://lwn.net/rss # comment\n"
                          "    tags: [news, linux]\n  hn: {url: 'https://hn', tags: x}\n");
  expect_same_as_yaml_cpp("- [a, b: c, {d: e}]\n- - nested\n  - block\n- ? complex\n  : key\n");
  expect_same_as_yaml_cpp("users:\n  bob:\n    feeds: [f1, f2,\n      f3,\n        t1]\n");
}

TEST(ConfigTree, AgreesWithYamlCppOnEmptyAndCommentOnlyDocuments) {
  for (const std::string text : {"", "# only a comment\n", "---\n", "~\n", "plain\n"}) {
    expect_same_as_yaml_cpp(text);
  }
  EXPECT_TRUE(ConfigTree::parse("").root().is_null());
  EXPECT_EQ(ConfigTree::parse("").root().mark().line, -1);
}

TEST(ConfigTree, ReadsOnlyTheFirstDocument) {
  expect_same_as_yaml_cpp("a: 1\n---\nb: 2\n");
  const ConfigTree tree = ConfigTree::parse("a: 1\n---\nb: 2\n");
  ASSERT_EQ(tree.root().size(), 1U);
  EXPECT_EQ(tree.root().key(0).scalar(), "a");
}

TEST(ConfigTree, KeepsRepeatedKeysInFileOrder) {
  expect_same_as_yaml_cpp("a: 1\nb: 2\na: 3\n");
  const ConfigTree tree = ConfigTree::parse("a: 1\nb: 2\na: 3\n");
  const ConfigNode root = tree.root();
  ASSERT_EQ(root.size(), 3U);
  EXPECT_EQ(root.key(2).scalar(), "a");
  EXPECT_EQ(root.value(2).scalar(), "3");
  EXPECT_EQ(root.key(2).mark().line, 2);
}

TEST(ConfigTree, AnAliasIsTheAnchoredNode) {
  const std::string text = "base: &b {url: x, tags: &t [a, b]}\n"
                           "copy: *b\n"
                           "tags: *t\n"
                           "anchored_scalar: &s hello\n"
                           "again: *s\n";
  expect_same_as_yaml_cpp(text);
  const ConfigTree tree = ConfigTree::parse(text);
  const ConfigNode root = tree.root();
  const ConfigNode copy = root.value(1);
  ASSERT_TRUE(copy.is_map());
  EXPECT_EQ(copy.mark().line, 0) << "the alias has the anchored node's mark";
  EXPECT_EQ(copy.mark().column, 6) << "an anchored node starts at its anchor";
  EXPECT_EQ(copy.value(0).scalar(), "x");
  EXPECT_EQ(root.value(2).item(1).scalar(), "b");
  EXPECT_EQ(root.value(2).item(1).mark().column, 31);
  EXPECT_EQ(root.value(4).scalar(), "hello");
}

TEST(ConfigTree, ARedefinedAnchorNamesItsLatestNode) {
  const std::string text = "a: &x 1\nb: *x\nc: &x 2\nd: *x\n";
  expect_same_as_yaml_cpp(text);
  const ConfigTree tree = ConfigTree::parse(text);
  EXPECT_EQ(tree.root().value(1).scalar(), "1");
  EXPECT_EQ(tree.root().value(3).scalar(), "2");
}

TEST(ConfigTree, ACollectionContainingAnAliasToItselfIsACycleNotAHang) {
  const std::string text = "a: &loop [x, *loop]\n";
  expect_same_as_yaml_cpp(text);
  const ConfigTree tree = ConfigTree::parse(text);
  const ConfigNode loop = tree.root().value(0);
  ASSERT_EQ(loop.size(), 2U);
  EXPECT_EQ(loop.item(1).item(1).item(0).scalar(), "x");
}

TEST(ConfigTree, AFlowListBecomesItsItemsWithTheirOwnMarks) {
  const ConfigTree tree = ConfigTree::parse("tags: [news,\n  \"two words\", 'q',\n  last]\n");
  const ConfigNode tags = tree.root().value(0);
  ASSERT_TRUE(tags.is_sequence());
  EXPECT_TRUE(tags.flow());
  EXPECT_EQ(tags.mark().column, 6);
  std::vector<std::pair<std::string, std::pair<int, int>>> items;
  for (const ConfigNode item : tags.items()) {
    items.push_back({std::string(item.scalar()), {item.mark().line, item.mark().column}});
  }
  using Item = std::pair<std::string, std::pair<int, int>>;
  EXPECT_EQ(items, (std::vector<Item>{
                       {"news", {0, 7}}, {"two words", {1, 2}}, {"q", {1, 15}}, {"last", {2, 2}}}));
  EXPECT_EQ(tags.item(1).tag(), "!") << "a quoted scalar";
  EXPECT_EQ(tags.item(0).tag(), "?") << "a plain scalar";
  EXPECT_TRUE(tags.item(4).is_null()) << "past the end: absent";
  EXPECT_EQ(tags.pairs().size(), 0U) << "a sequence has no pairs";
}

TEST(ConfigTree, ASyntaxErrorThrowsYamlCppsExceptionWithItsMark) {
  const std::string text = "a: [1, 2\nb: 3\n";
  const auto error_of = [&text](auto parse) {
    try {
      parse(text);
    } catch (const YAML::ParserException& e) {
      return std::to_string(e.mark.line) + ":" + std::to_string(e.mark.column) + " " + e.msg;
    }
    return std::string("no exception");
  };
  const std::string got = error_of([](const std::string& t) { ConfigTree::parse(t); });
  EXPECT_NE(got, "no exception");
  EXPECT_EQ(got, error_of([](const std::string& t) { YAML::Load(t); }));
  EXPECT_THROW(ConfigTree::parse("a: *undefined\n"), YAML::ParserException);
}

TEST(ConfigTree, MoreDifferentTagsThanItCanNumberAreASyntaxError) {
  std::string text = "[";
  for (int i = 0; i < 65'536; ++i) {
    text.append("!t").append(std::to_string(i)).append(" x,");
  }
  text.append("]\n");
  EXPECT_THROW(ConfigTree::parse(text), YAML::ParserException);
  // 65,536 numbers: "" (null), "?" (the list's own tag) and 65,534 of these.
  text.erase(text.rfind("!t65534 x,"), 20);
  EXPECT_EQ(ConfigTree::parse(text).root().item(65'533).tag(), "!t65533");
}

} // namespace
} // namespace feedpop::gateway
