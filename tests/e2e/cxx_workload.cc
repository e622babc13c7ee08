// SPDX-License-Identifier: MIT
// A C++ program for the C++ tests:
//   cxx_workload N        two overloads of ns::work, called N times each
//                         by ns::outer, which main calls N times
//                         (demangling, symbols.sh)
//   cxx_workload count N  app::Counter::add(int) (returns a value) and
//                         app::Counter::reset() (void), N times each: a
//                         member's type is on its declaration (returns.sh)
//   cxx_workload throw N  app::risky(i) N times: it holds a std::string
//                         (a cleanup: an LSDA) and calls app::thrower,
//                         which throws; main catches each (cxx_unwind.sh)
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ns {
volatile long sink;

__attribute__((noinline)) void work(int x) { sink += x; }
__attribute__((noinline)) void work(double x) { sink += (long)x; }

__attribute__((noinline)) void outer()
{
	work(1);
	work(2.0);
}
}

namespace app {
struct Counter {
	long n = 0;
	long add(int x);
	void reset();
};

__attribute__((noinline)) long Counter::add(int x)
{
	n += x;
	return n;
}

__attribute__((noinline)) void Counter::reset() { n = 0; }

__attribute__((noinline)) void thrower(int x)
{
	if (x >= 0)
		throw std::runtime_error("thrown");
}

__attribute__((noinline)) int risky(int x)
{
	std::string keep("kept while unwinding");

	thrower(x);
	return (int)keep.size();
}
}

int main(int argc, char **argv)
{
	if (argc > 2 && !std::strcmp(argv[1], "count")) {
		app::Counter c;
		long n = std::atol(argv[2]);

		for (long i = 0; i < n; i++) {
			c.add((int)i);
			c.reset();
		}
		return 0;
	}
	if (argc > 2 && !std::strcmp(argv[1], "throw")) {
		long n = std::atol(argv[2]), caught = 0;

		for (long i = 0; i < n; i++) {
			try {
				app::risky((int)i);
			} catch (const std::exception &) {
				caught++;
			}
		}
		return caught == n ? 0 : 1;
	}
	long n = argc > 1 ? std::atol(argv[1]) : 100;

	for (long i = 0; i < n; i++)
		ns::outer();
	return 0;
}
