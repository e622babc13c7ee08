// SPDX-License-Identifier: MIT
/* Statistics SQL (sqlgen.h). Window functions only: works in sqlite3. */
#include "sqlgen.h"

/*
 * One window, ordered (keys, complete, duration_ns): incomplete calls come
 * first in each group, so a complete call's rank among complete calls is
 * rn - (cnt - n). With the index calls(func, complete, duration_ns) the
 * scan needs no sort.
 */
void sql_call_stats(struct ukt_buf *out, const char *keys, const char *where)
{
	ukt_buf_addf(out,
		"SELECT %s,\n"
		"  SUM(complete) AS calls,\n"
		"  COUNT(*) - SUM(complete) AS incomplete,\n"
		"  SUM(CASE WHEN complete THEN duration_ns END) AS total_ns,\n"
		"  SUM(CASE WHEN complete THEN self_ns END) AS self_ns,\n"
		"  MIN(CASE WHEN complete THEN duration_ns END) AS min_ns,\n"
		"  CAST(AVG(CASE WHEN complete THEN duration_ns END) AS INTEGER) AS avg_ns,\n"
		"  MAX(CASE WHEN complete AND rn - (cnt - n) = (n * 50 + 99) / 100 THEN duration_ns END) AS p50_ns,\n"
		"  MAX(CASE WHEN complete AND rn - (cnt - n) = (n * 90 + 99) / 100 THEN duration_ns END) AS p90_ns,\n"
		"  MAX(CASE WHEN complete AND rn - (cnt - n) = (n * 99 + 99) / 100 THEN duration_ns END) AS p99_ns,\n"
		"  MAX(CASE WHEN complete THEN duration_ns END) AS max_ns\n"
		"FROM (SELECT %s, complete, duration_ns, self_ns,\n"
		"        ROW_NUMBER() OVER w AS rn,\n"
		"        SUM(complete) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n,\n"
		"        COUNT(*) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS cnt\n"
		"      FROM calls%s%s\n"
		"      WINDOW w AS (PARTITION BY %s ORDER BY complete, duration_ns))\n"
		"GROUP BY %s",
		keys, keys, where && *where ? " WHERE " : "", where ? where : "",
		keys, keys);
}

void sql_callers(struct ukt_buf *out, const char *where)
{
	ukt_buf_addf(out,
		"SELECT func, caller_symbol, caller_object,\n"
		"  COUNT(*) AS calls,\n"
		"  SUM(complete) AS complete_calls,\n"
		"  SUM(CASE WHEN complete THEN duration_ns END) AS total_ns,\n"
		"  CAST(AVG(CASE WHEN complete THEN duration_ns END) AS INTEGER) AS avg_ns,\n"
		"  MIN(CASE WHEN complete THEN duration_ns END) AS min_ns,\n"
		"  MAX(CASE WHEN complete THEN duration_ns END) AS max_ns\n"
		"FROM calls%s%s\n"
		"GROUP BY func, caller_symbol, caller_object",
		where && *where ? " WHERE " : "", where ? where : "");
}
