#include "feeds/xml_tree.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace feedpop::feeds::xml {
namespace {

std::vector<Node> elements(Node parent) {
  std::vector<Node> out;
  for (Node n : parent.children()) {
    if (n.type() == NodeType::element) {
      out.push_back(n);
    }
  }
  return out;
}

std::string attribute(Node n, std::string_view name) {
  for (Attribute a : n.attributes()) {
    if (a.name() == name) {
      return std::string(a.value());
    }
  }
  return "<none>";
}

// Writes the tree back as text, to compare whole structures in one assertion.
void dump(Node n, std::string& out) {
  switch (n.type()) {
  case NodeType::pcdata:
    out.append("T(").append(n.value()).append(")");
    return;
  case NodeType::cdata:
    out.append("C(").append(n.value()).append(")");
    return;
  case NodeType::element:
    out.append("<").append(n.name());
    for (Attribute a : n.attributes()) {
      out.append(" ").append(a.name()).append("=").append(a.value());
    }
    out += ">";
    if (!n.value().empty()) {
      out.append("V(").append(n.value()).append(")");
    }
    break;
  case NodeType::document:
    break;
  }
  for (Node c : n.children()) {
    dump(c, out);
  }
  if (n.type() == NodeType::element) {
    out += "</>";
  }
}

std::string dump(const std::string& xml, ParseStatus* status = nullptr) {
  std::string buffer = xml;
  Document doc;
  ParseStatus s = doc.parse_in_place(buffer);
  if (status != nullptr) {
    *status = s;
  }
  std::string out;
  dump(doc.root(), out);
  return out;
}

TEST(XmlTree, ElementsAttributesAndLeadingText) {
  ParseStatus s;
  EXPECT_EQ(dump("<?xml version=\"1.0\"?>\n<rss version='2.0'><channel>\n  <title>Hi</title>\n"
                 "  <item a=\"1\" b='2'/></channel></rss>\n",
                 &s),
            "<rss version=2.0><channel><title>V(Hi)</><item a=1 b=2></></></>");
  EXPECT_TRUE(s);
}

TEST(XmlTree, MixedContentKeepsOrder) {
  // The first text run is the element's value; later runs are child nodes, in order.
  EXPECT_EQ(dump("<p>one <b>two</b> three <![CDATA[<four>]]> five</p>"),
            "<p>V(one )<b>V(two)</>T( three )C(<four>)T( five)</>");
}

TEST(XmlTree, CdataFirstMakesFollowingTextANode) {
  EXPECT_EQ(dump("<a><![CDATA[x]]>y</a>"), "<a>C(x)T(y)</>");
}

TEST(XmlTree, WhitespaceOnlyTextBetweenTagsIsDropped) {
  EXPECT_EQ(dump("<a>\n  <b> </b>\n\t<c>  x </c>\r\n</a>"), "<a><b></><c>V(  x )</></>");
}

TEST(XmlTree, PredefinedAndNumericReferencesAreDecoded) {
  EXPECT_EQ(dump("<a>&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#X43; &#233; &#x1F600;</a>"),
            "<a>V(<>&\"' ABC \xC3\xA9 \xF0\x9F\x98\x80)</>");
}

TEST(XmlTree, OtherReferencesStayLiteral) {
  // Nothing beyond XML's own references is expanded: the pre-pass (xml_prepass.hpp) has
  // already rewritten HTML entities; what remains is text.
  EXPECT_EQ(dump("<a>&nbsp; &lt &#; &#xZZ; &amp</a>"), "<a>V(&nbsp; &lt &#; &#xZZ; &amp)</>");
}

TEST(XmlTree, InvalidCodePointsBecomeReplacementCharacters) {
  EXPECT_EQ(dump("<a>&#0;&#xD800;&#x110000;</a>"), "<a>V(\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD)</>");
}

TEST(XmlTree, LineEndsAreNormalised) {
  EXPECT_EQ(dump("<a>1\r\n2\r3\n4<![CDATA[5\r\n6]]></a>"), "<a>V(1\n2\n3\n4)C(5\n6)</>");
}

TEST(XmlTree, AttributeWhitespaceBecomesSpaces) {
  EXPECT_EQ(dump("<a x=\"1\t2\n3\r\n4\r5 &amp;&#10;\"/>"), "<a x=1 2 3 4 5 &\n></>");
}

TEST(XmlTree, CommentsProcessingInstructionsAndDoctypeAreSkipped) {
  EXPECT_EQ(dump("<!DOCTYPE x [<!ENTITY e \"boom\"> <!ELEMENT a ANY>]><?pi x?>"
                 "<a><!-- c <b> -->&e;<?php echo 1; ?></a>"),
            "<a>V(&e;)</>");
}

TEST(XmlTree, TextOutsideTheRootIsIgnoredAndLaterRootsKept) {
  EXPECT_EQ(dump("junk<a>1</a>more junk<b>2</b>"), "<a>V(1)</><b>V(2)</>");
}

TEST(XmlTree, UnicodeNames) {
  EXPECT_EQ(dump("<dc:créé x.y-z='1'>v</dc:créé>"), "<dc:créé x.y-z=1>V(v)</>");
}

TEST(XmlTree, MismatchedEndTagStopsAndKeepsWhatPrecedes) {
  ParseStatus s;
  std::string out = dump("<rss><item><title>kept</title></itm><item>lost</item></rss>", &s);
  EXPECT_FALSE(s);
  EXPECT_STREQ(s.description, "start-end tags mismatch");
  EXPECT_EQ(s.offset, 30u); // the '<' of </itm>
  EXPECT_EQ(out, "<rss><item><title>V(kept)</></></>");
}

TEST(XmlTree, TruncatedDocumentIsAnErrorWithTheTreeSoFar) {
  ParseStatus s;
  EXPECT_EQ(dump("<a><b>x</b><c>y", &s), "<a><b>V(x)</><c>V(y)</></>");
  EXPECT_FALSE(s);
  EXPECT_EQ(s.offset, 15u);
  EXPECT_NE(std::string(s.description).find("unclosed"), std::string::npos);
}

TEST(XmlTree, MalformedMarkupIsANamedError) {
  struct Case {
    const char* xml;
    const char* description;
  };
  for (Case c :
       std::vector<Case>{{"<a>1 < 2</a>", "'<' that starts no tag"},
                         {"<a x=1/>", "bad attribute (value not quoted)"},
                         {"<a x/>", "bad attribute (no '=')"},
                         {"<a x='1'y='2'/>", "bad attribute (no space before the next one)"},
                         {"<a x='1/>", "bad attribute (value not closed)"},
                         {"<a><!-- open</a>", "unterminated comment"},
                         {"<a><![CDATA[open</a>", "unterminated CDATA section"},
                         {"<a><?pi </a>", "unterminated processing instruction"},
                         {"<a><!ELEMENT x></a>", "unrecognized markup declaration"},
                         {"</a>", "end tag without a start tag"},
                         {"<a></a x>", "bad end tag"},
                         {"<a/ >", "bad start tag"},
                         {"<a", "unexpected end of document in a start tag"},
                         {"<!DOCTYPE a [<!ENTITY b \"]>\">", "unterminated DOCTYPE"}}) {
    ParseStatus s;
    dump(c.xml, &s);
    EXPECT_FALSE(s) << c.xml;
    EXPECT_STREQ(s.description, c.description) << c.xml;
  }
}

TEST(XmlTree, DeepNestingNeedsNoRecursion) {
  std::string xml;
  for (int i = 0; i < 200000; ++i) {
    xml += "<x>";
  }
  for (int i = 0; i < 200000; ++i) {
    xml += "</x>";
  }
  Document doc;
  ParseStatus s = doc.parse_in_place(xml);
  EXPECT_TRUE(s);
  EXPECT_EQ(doc.node_count(), 200001u);
}

TEST(XmlTree, StorageIsSizedExactly) {
  // Counting first means the tree holds exactly its nodes: no spare capacity to pay for.
  std::string xml = "<feed a='1' b='2'><entry><title>t</title>text<br/>more</entry></feed>";
  Document doc;
  ASSERT_TRUE(doc.parse_in_place(xml));
  // document, feed, entry, title, text "text", br, text "more"
  EXPECT_EQ(doc.node_count(), 7u);
  EXPECT_EQ(doc.attribute_count(), 2u);
  EXPECT_EQ(doc.allocated_bytes(), 7 * Document::node_bytes + 2 * Document::attribute_bytes);
}

TEST(XmlTree, ElementWithoutAttributesOrChildren) {
  std::string xml = "<a/>";
  Document doc;
  ASSERT_TRUE(doc.parse_in_place(xml));
  auto roots = elements(doc.root());
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0].name(), "a");
  EXPECT_EQ(roots[0].value(), "");
  EXPECT_EQ(attribute(roots[0], "x"), "<none>");
  EXPECT_TRUE(elements(roots[0]).empty());
}

TEST(XmlTree, EmptyAndWhitespaceDocumentsHaveNoElements) {
  for (std::string xml : {std::string(), std::string(" \n\t "), std::string("text only")}) {
    Document doc;
    EXPECT_TRUE(doc.parse_in_place(xml));
    EXPECT_TRUE(elements(doc.root()).empty());
  }
}

} // namespace
} // namespace feedpop::feeds::xml
