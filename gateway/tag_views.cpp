#include "gateway/tag_views.hpp"

#include "gateway/digests.hpp"
#include "gateway/user_feeds.hpp"

namespace feedpop::gateway {

bool is_rule_tag_view(const MailboxView& view) {
  return !view.tagged_feed_keys.empty() || view.own_feeds_tagged;
}

std::vector<storage::MailboxItem> tag_view_items(storage::Store& store, const Config& config,
                                                 const MailboxView& view) {
  std::vector<std::string> tagged = view.tagged_feed_keys;
  if (view.own_feeds_tagged) { // global rules tag entries of the user's own feeds too
    std::vector<std::string> own;
    for (const auto& f : store.user_feeds(view.user)) {
      own.push_back(user_feed_key(f.owner, f.key));
    }
    own = with_digests(config, view.user, own); // a user's digest covers them
    tagged.insert(tagged.end(), own.begin(), own.end());
  }
  return store.tag_view_snapshot(view.user, view.feed_keys, tagged, view.view);
}

} // namespace feedpop::gateway
