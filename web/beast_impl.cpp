// Beast is compiled once, here (BOOST_BEAST_SEPARATE_COMPILATION, as Asio in feedpop::asio).
#include <boost/beast/src.hpp>
