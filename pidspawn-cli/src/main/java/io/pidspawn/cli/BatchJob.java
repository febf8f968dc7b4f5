package io.pidspawn.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One line of {@code pidspawn batch} input, checked:
 * {@code {"argv": [...], "cwd": "..", "env": {..}, "stdin": "..", "timeout": "..", "pty": true}}.
 *
 * @param argv the program and its arguments; never empty
 * @param cwd the working directory, or null for pidspawn's
 * @param env variables set on top of pidspawn's environment
 * @param stdin text fed to the child, or null for /dev/null
 * @param timeout how long the job may run, or null for no limit
 * @param pty whether the job runs on a pseudo-terminal of its own (stdin, stdout and stderr)
 */
record BatchJob(List<String> argv, Path cwd, Map<String, String> env, String stdin, Duration timeout, boolean pty) {
    private static final Set<String> KEYS = Set.of("argv", "cwd", "env", "stdin", "timeout", "pty");

    /**
     * Parses one line. The job's {@code timeout} replaces {@code defaultTimeout}; a timeout of 0
     * or null means none, as with timeout(1).
     *
     * @throws IllegalArgumentException saying what is wrong with the line
     */
    static BatchJob parse(String line, Duration defaultTimeout) {
        Object parsed;
        try {
            parsed = Json.parse(line);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage().replaceFirst("^invalid JSON ", ""), e);
        }
        if (!(parsed instanceof Map<?, ?> job)) {
            throw new IllegalArgumentException("a job is a JSON object, such as {\"argv\": [\"make\", \"all\"]}");
        }
        for (Object key : job.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key \"" + key + "\" (a job has argv, cwd, env, stdin, timeout and pty)");
            }
        }
        Duration timeout = job.containsKey("timeout") ? timeout(job.get("timeout")) : defaultTimeout;
        Object cwd = optional(job, "cwd", String.class);
        return new BatchJob(argv(job.get("argv")), cwd == null ? null : Path.of((String) cwd), env(job.get("env")),
                (String) optional(job, "stdin", String.class), timeout, pty(job.get("pty")));
    }

    private static List<String> argv(Object value) {
        if (!(value instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("\"argv\" must be a non-empty array of strings (the program, then its arguments)");
        }
        List<String> argv = new ArrayList<>(list.size());
        for (Object a : list) {
            if (!(a instanceof String s)) {
                throw new IllegalArgumentException("\"argv\" holds " + Json.write(a) + ", not a string");
            }
            argv.add(s);
        }
        if (argv.getFirst().isEmpty()) {
            throw new IllegalArgumentException("\"argv\" starts with an empty program name");
        }
        return List.copyOf(argv);
    }

    private static Map<String, String> env(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("\"env\" must be an object of strings, such as {\"LANG\": \"C\"}");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String name = (String) e.getKey();
            if (name.isEmpty() || name.indexOf('=') >= 0) {
                throw new IllegalArgumentException("\"env\" has \"" + name + "\", not a variable name");
            }
            if (!(e.getValue() instanceof String v)) {
                throw new IllegalArgumentException("\"env\" sets " + name + " to " + Json.write(e.getValue()) + ", not a string");
            }
            env.put(name, v);
        }
        return env;
    }

    private static boolean pty(Object value) {
        return switch (value) {
            case null -> false;
            case Boolean b -> b;
            default -> throw new IllegalArgumentException("\"pty\" must be true or false, not " + Json.write(value));
        };
    }

    /** A string duration as Durations takes it, or a number of seconds; 0 and null mean none. */
    static Duration timeout(Object value) {
        Duration d = switch (value) {
            case null -> Duration.ZERO;
            case String s -> Durations.parse("\"timeout\"", s);
            case Number n when n.doubleValue() >= 0 -> Durations.parse("\"timeout\"", n.toString());
            default -> throw new IllegalArgumentException("\"timeout\" must be a duration such as \"10s\" or a number of seconds");
        };
        return d.isZero() ? null : d;
    }

    private static Object optional(Map<?, ?> job, String key, Class<?> type) {
        Object v = job.get(key);
        if (v != null && !type.isInstance(v)) {
            throw new IllegalArgumentException("\"" + key + "\" must be a string");
        }
        return v;
    }
}
