// Asio and Asio.SSL are compiled once, here (BOOST_ASIO_SEPARATE_COMPILATION, STYLE.md §1).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
