// SPDX-License-Identifier: MIT
/* Statistics SQL (sqlgen.h). Window functions only: works in sqlite3. */
#include "sqlgen.h"

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
		"  MAX(CASE WHEN complete AND rn = (n * 50 + 99) / 100 THEN duration_ns END) AS p50_ns,\n"
		"  MAX(CASE WHEN complete AND rn = (n * 90 + 99) / 100 THEN duration_ns END) AS p90_ns,\n"
		"  MAX(CASE WHEN complete AND rn = (n * 99 + 99) / 100 THEN duration_ns END) AS p99_ns,\n"
		"  MAX(CASE WHEN complete THEN duration_ns END) AS max_ns\n"
		"FROM (SELECT %s, complete, duration_ns, self_ns,\n"
		"        ROW_NUMBER() OVER (PARTITION BY %s, complete ORDER BY duration_ns) AS rn,\n"
		"        SUM(complete) OVER (PARTITION BY %s) AS n\n"
		"      FROM calls%s%s)\n"
		"GROUP BY %s",
		keys, keys, keys, keys, where && *where ? " WHERE " : "",
		where ? where : "", keys);
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
