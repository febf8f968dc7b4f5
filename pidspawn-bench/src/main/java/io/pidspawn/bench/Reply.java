package io.pidspawn.bench;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/** A worker's answer to one request: {@code FIELD=VALUE} pairs; {@code lat} is a comma-separated list of ns. */
record Reply(Map<String, String> fields) {
    /**
     * Parses "ok FIELD=VALUE..." or throws for "error MESSAGE" and for an answer that reports
     * failed calls: a benchmark whose calls fail measures nothing.
     */
    static Reply parse(String who, String request, String answer) throws IOException {
        if (!answer.startsWith("ok")) {
            throw new IOException(who + " could not do \"" + request.replace('\t', ' ') + "\": " + answer.replaceFirst("^error ", ""));
        }
        Map<String, String> fields = new HashMap<>();
        for (String kv : answer.substring(2).trim().split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                fields.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        Reply r = new Reply(fields);
        if (r.number("failed") > 0) {
            throw new IOException(who + ": " + r.number("failed") + " of " + r.number("count") + " calls of \""
                    + request.replace('\t', ' ') + "\" failed; the first: " + fields.getOrDefault("first_failure", "(no detail)"));
        }
        return r;
    }

    /** A numeric field, 0 when absent. */
    long number(String key) {
        String v = fields.get(key);
        return v == null ? 0 : Long.parseLong(v);
    }

    String text(String key) {
        return fields.getOrDefault(key, "");
    }

    /** The per-call latencies in ns. */
    long[] latencies() {
        String lat = text("lat");
        return lat.isEmpty() ? new long[0] : Arrays.stream(lat.split(",")).mapToLong(Long::parseLong).toArray();
    }
}
