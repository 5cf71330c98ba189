// `feedpop extract FILE|URL [--url BASE] [--json] [--xpath EXPR]`: the article a reader
// view shows for one web page (content/article.hpp). With --json:
// {"title", "byline", "excerpt", "lang", "content"} (content = sanitised HTML).
//
// Exit status: 0 when an article was found; 1 when the page holds none (or the selector
// matched nothing), with the reason on stderr; 3 when the page cannot be read.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "content/article.hpp"
#include "gateway/commands.hpp"
#include "gateway/document_source.hpp"

namespace feedpop::gateway {

void add_extract_command(CLI::App& app, const GlobalOptions& /*global*/, int& status) {
  auto* cmd = app.add_subcommand("extract", "Print the article extracted from a web page");
  static std::string source, base, xpath;
  static bool as_json = false;
  cmd->add_option("source", source, "HTML file, '-' for standard input, file:// or http(s) URL")
      ->required();
  cmd->add_option("--url", base, "The page's URL, for relative links (default: the http(s) URL)");
  cmd->add_option("--xpath", xpath, "XPath selecting the article (a feed's content_selector)");
  cmd->add_flag("--json", as_json, "Print {title, byline, excerpt, lang, content} as JSON");
  cmd->callback([&status] {
    Document doc;
    try {
      doc = load_document(source);
    } catch (const std::exception& e) {
      std::cerr << "feedpop extract: " << e.what() << '\n';
      status = exit_runtime;
      return;
    }
    content::ExtractOptions options;
    if (!xpath.empty()) {
      options.xpath = xpath;
    }
    const std::string page_url = !base.empty() ? base : doc.url.starts_with("http") ? doc.url : "";
    const content::ExtractResult result = content::extract(doc.body, page_url, options);
    if (const auto* failed = std::get_if<content::ExtractFailed>(&result)) {
      std::cerr << "feedpop extract: " << source << ": " << failed->reason << '\n';
      status = exit_config;
      return;
    }
    const auto& article = std::get<content::Article>(result);
    if (as_json) {
      const nlohmann::ordered_json out{{"title", article.title},
                                       {"byline", article.byline},
                                       {"excerpt", article.excerpt},
                                       {"lang", article.lang},
                                       {"content", article.content}};
      std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
      std::cout << article.title << "\n\n" << article.text << '\n';
    }
    status = exit_ok;
  });
}

} // namespace feedpop::gateway
