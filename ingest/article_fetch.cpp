#include "ingest/article_fetch.hpp"

#include <spdlog/spdlog.h>

#include "common/ascii.hpp"
#include "content/article.hpp"
#include "feeds/html.hpp"
#include "feeds/http_client.hpp"
#include "ingest/ingest_poll.hpp"

namespace feedpop::ingest {

namespace {

// A feed body shorter than this (in text characters) may be a teaser under `auto`.
constexpr std::size_t short_text = 1000;

const std::optional<std::string>& feed_body(const feeds::Entry& e) {
  return e.content_html ? e.content_html : e.summary_html;
}

std::string trimmed_text(const feeds::Entry& e) {
  const auto& body = feed_body(e);
  std::string text = body ? feeds::html::to_text(*body) : std::string();
  while (!text.empty() && ascii::is_space(text.back())) {
    text.pop_back();
  }
  return text;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The feed's text ends the way teasers do.
bool teaser_ending(const std::string& text) {
  const std::string lower = ascii::lower(text);
  for (std::string_view marker : {"\xE2\x80\xA6", "[...]", "...", "read more", "read more \xC2\xBB",
                                  "continue reading", "read more\xE2\x80\xA6"}) {
    if (ends_with(lower, marker)) {
      return true;
    }
  }
  return false;
}

std::string failure_note(const std::string& original, const std::string& reason) {
  return original +
         "<p><i>feedpop could not fetch the full article: " + feeds::html::escape(reason) +
         "</i></p>";
}

// The per-feed XPath, and the selectors of the strip rules that hold for the feed's entry
// (RuleSet::judge is a pure function of it: the verdict plan_ingest reached), their rule
// indices in `strip_rules`.
content::ExtractOptions extract_options(const FeedOptions& feed, const content::RuleSet& rules,
                                        const feeds::Entry& e,
                                        std::vector<std::size_t>& strip_rules) {
  content::ExtractOptions eo;
  eo.xpath = feed.content_selector;
  if (rules.empty()) {
    return eo;
  }
  for (const std::size_t i : rules.judge(e).rewrites) {
    const content::Rule& rule = rules.rules()[i];
    if (rule.action == content::RuleAction::strip) {
      eo.strip.push_back(rule.argument);
      strip_rules.push_back(i);
    }
  }
  return eo;
}

} // namespace

bool looks_truncated(const feeds::Entry& entry) {
  const std::string text = trimmed_text(entry);
  return text.empty() || teaser_ending(text) || text.size() < short_text;
}

ContentMode content_mode(const Options& config, const FeedOptions& feed) {
  return feed.content.value_or(config.fetch.content);
}

std::map<std::size_t, FetchedArticle> fetch_articles(const Options& config, const FeedOptions& feed,
                                                     const feeds::Feed& doc,
                                                     const std::vector<std::size_t>& indices,
                                                     ArticleStats& stats, feeds::HttpClient& http) {
  std::map<std::size_t, FetchedArticle> out;
  const ContentMode mode = content_mode(config, feed);
  if (mode == ContentMode::feed) {
    return out;
  }
  std::vector<std::size_t> wanted;
  std::vector<feeds::HttpRequest> requests;
  for (std::size_t i : indices) {
    const feeds::Entry& e = doc.entries.at(i);
    if (mode == ContentMode::automatic && !looks_truncated(e)) {
      continue;
    }
    if (!e.link || e.link->rfind("http", 0) != 0) {
      if (mode == ContentMode::full) {
        out[i].html = failure_note(feed_body(e).value_or(""), "the entry has no http(s) link");
        ++stats.failed;
      }
      continue;
    }
    feeds::HttpRequest r;
    r.url = *e.link;
    r.user_agent = feed.user_agent ? feed.user_agent : config.fetch.user_agent;
    r.allow_private = may_reach_private_addresses(config.fetch.private_addresses, feed);
    requests.push_back(std::move(r));
    wanted.push_back(i);
  }
  if (requests.empty()) {
    return out;
  }
  std::vector<feeds::FetchResult> results = http.fetch_all(std::move(requests));
  const content::RuleSet rules = feed_rules(feed);
  for (std::size_t n = 0; n < wanted.size() && n < results.size(); ++n) {
    const feeds::Entry& e = doc.entries[wanted[n]];
    std::string reason;
    if (auto* f = std::get_if<feeds::Fetched>(&results[n])) {
      std::vector<std::size_t> strip_rules;
      const content::ExtractOptions eo = extract_options(feed, rules, e, strip_rules);
      auto extracted = content::extract(f->body, f->info.url, eo);
      if (auto* a = std::get_if<content::Article>(&extracted)) {
        const std::string feed_text = trimmed_text(e);
        // auto: an article no longer than the feed's own text adds nothing.
        if (mode == ContentMode::automatic && !teaser_ending(feed_text) &&
            a->text.size() < 2 * feed_text.size()) {
          continue;
        }
        FetchedArticle& fetched = out[wanted[n]];
        fetched.html = std::move(a->content);
        for (std::size_t k = 0; k < strip_rules.size() && k < a->stripped.size(); ++k) {
          fetched.stripped.push_back({strip_rules[k], a->stripped[k]});
        }
        ++stats.fetched;
        continue;
      }
      reason = std::get<content::ExtractFailed>(extracted).reason;
    } else if (auto* failed = std::get_if<feeds::FetchFailed>(&results[n])) {
      reason = failed->error;
    } else {
      reason = "unexpected 304 Not Modified";
    }
    spdlog::warn("feed {}: full article of {}: {}", feed.key, *e.link, reason);
    ++stats.failed;
    out[wanted[n]].html = failure_note(feed_body(e).value_or(""), reason);
  }
  return out;
}

} // namespace feedpop::ingest
