// SPDX-License-Identifier: MIT
/* Unit tests of C++ names (report/demangle.c): demangled as c++filt
 * prints them, and the name without its parameter list. */
#include <string.h>

#include "test.h"
#include "uktrace/demangle.h"

static void test_demangle(void)
{
	struct ukt_buf b = UKT_BUF_INIT;

	CHECK(demangle_add(&b, "_ZN2ns4workEi"));
	CHECK_STR(b.data, "ns::work(int)");
	ukt_buf_reset(&b);
	/* C names and what is not a mangled name stay as they are */
	CHECK(!demangle_add(&b, "malloc"));
	CHECK_STR(b.data, "malloc");
	ukt_buf_reset(&b);
	CHECK(!demangle_add(&b, "_Zinvalid"));
	CHECK_STR(b.data, "_Zinvalid");
	ukt_buf_reset(&b);
	/* appended to what is there, as symbolize writes "name+0xoff" */
	ukt_buf_adds(&b, "<");
	CHECK(demangle_add_base(&b, "_ZNK2ns1C3getEv"));
	CHECK_STR(b.data, "<ns::C::get");
	ukt_buf_release(&b);
}

static size_t base(const char *s)
{
	return demangle_base_len(s);
}

static void test_base_len(void)
{
	CHECK_EQ(base("ns::work(int)"), strlen("ns::work"));
	CHECK_EQ(base("ns::C::get() const"), strlen("ns::C::get"));
	CHECK_EQ(base("f(void (*)(int), std::function<void (int)>)"), strlen("f"));
	CHECK_EQ(base("Foo::operator()(int)"), strlen("Foo::operator()"));
	CHECK_EQ(base("(anonymous namespace)::g(int)"), strlen("(anonymous namespace)::g"));
	CHECK_EQ(base("f()::{lambda(int)#1}::operator()(int) const"),
		 strlen("f()::{lambda(int)#1}::operator()"));
	/* no parameter list: all of it */
	CHECK_EQ(base("malloc"), strlen("malloc"));
	CHECK_EQ(base("(anonymous namespace)::table"), strlen("(anonymous namespace)::table"));
	CHECK_EQ(base("vtable for ns::C"), strlen("vtable for ns::C"));
}

int main(void)
{
	RUN(test_demangle);
	RUN(test_base_len);
	return TEST_EXIT();
}
