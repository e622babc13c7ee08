// SPDX-License-Identifier: MIT
// A C++ program for the demangling tests (symbols.sh): two overloads of
// ns::work, called N times each by ns::outer, which main calls N times.
#include <cstdlib>

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

int main(int argc, char **argv)
{
	long n = argc > 1 ? std::atol(argv[1]) : 100;

	for (long i = 0; i < n; i++)
		ns::outer();
	return 0;
}
