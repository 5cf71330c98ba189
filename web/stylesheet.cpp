#include "web/pages.hpp"

namespace feedpop::web {

// System fonts only; text/background contrast above WCAG AA (4.5:1) in both schemes;
// tables turn into stacked cards on narrow screens.
std::string_view stylesheet() {
  return R"css(:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#4a4a4a;--line:#c8c8c8;--accent:#0b57d0;--ok:#0a6b2d;--bad:#a4161a;--warn:#7a4a00}
@media (prefers-color-scheme:dark){:root{--fg:#ececec;--bg:#141414;--muted:#c0c0c0;--line:#555;--accent:#8ab4f8;--ok:#7ee0a1;--bad:#ffb3b3;--warn:#ffd27a}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:72rem;padding:1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.25rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line)}
a{color:var(--accent)}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:.5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}
.state{font-weight:600}.state-ok{color:var(--ok)}.state-failing,.state-gone{color:var(--bad)}.state-paused,.state-pending{color:var(--warn)}
.notice{border:2px solid var(--accent);padding:.6rem;margin:1rem 0}.error{border-color:var(--bad)}
form.inline{display:inline}
button,input{font:inherit;padding:.4rem .7rem;border:1px solid var(--muted);border-radius:4px;background:var(--bg);color:var(--fg)}
button{cursor:pointer;border-color:var(--accent);color:var(--accent)}
button:focus,input:focus,a:focus{outline:3px solid var(--accent);outline-offset:2px}
label{display:block;margin:.6rem 0 .2rem;font-weight:600}
.login{max-width:22rem;margin:3rem auto}.login input{width:100%}.login button{margin-top:1rem;width:100%}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
code{font-size:.9em;overflow-wrap:anywhere}
@media (max-width:40rem){table,thead,tbody,tr,th,td{display:block}thead{position:absolute;left:-9999px}
tr{border:1px solid var(--line);margin:0 0 .8rem;padding:.3rem}td{border:0;padding:.2rem .3rem}
td::before{content:attr(data-label) ": ";font-weight:600}dl{grid-template-columns:1fr}}
)css";
}

} // namespace feedpop::web
