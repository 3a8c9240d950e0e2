// Regression: form_decode_unterminated_view (found by fuzz_form). decode_form() handed its
// view to Boost.URL 1.81, whose parse_query() rebuilds the input with strlen(data()): it read
// past the end of any view not NUL-terminated there (a heap-buffer-overflow under
// AddressSanitizer) and decoded the bytes after the view as more parameters.
#include "gateway/detail/text.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

TEST_SUITE("gateway") {
    TEST_CASE("regression form_decode_unterminated_view: only the view's bytes are decoded") {
        using sapa::gateway::detail::decode_form;
        using sapa::gateway::detail::form_params;
        // A view of the first parameter of a longer form sees only that parameter.
        const std::string form = "From=%2B6281&Body=halo";
        auto first = decode_form(std::string_view(form.data(), 12));
        REQUIRE(first.has_value());
        CHECK(*first == form_params{{"From", "+6281"}});
        auto none = decode_form(std::string_view(form.data(), 0));
        REQUIRE(none.has_value());
        CHECK(none->empty());
        // Heap bytes with no terminator after them.
        const char text[] = "a=1&b=2";
        std::unique_ptr<char[]> heap(new char[7]);
        std::memcpy(heap.get(), text, 7);
        auto exact = decode_form(std::string_view(heap.get(), 7));
        REQUIRE(exact.has_value());
        CHECK(*exact == form_params{{"a", "1"}, {"b", "2"}});
        std::unique_ptr<char[]> one(new char[1]{'a'});
        CHECK(decode_form(std::string_view(one.get(), 0)).value().empty());
    }

    TEST_CASE("decode_form takes a literal, a string and a view alike") {
        using sapa::gateway::detail::decode_form;
        using sapa::gateway::detail::form_params;
        const form_params expected{{"Body", "halo dunia"}, {"From", "+6281"}};
        CHECK(decode_form("Body=halo+dunia&From=%2B6281").value() == expected);
        const std::string text = "Body=halo+dunia&From=%2B6281";
        CHECK(decode_form(text).value() == expected);
        CHECK(decode_form(std::string_view(text)).value() == expected);
        CHECK_FALSE(decode_form("Body=%zz").has_value());
    }
}
