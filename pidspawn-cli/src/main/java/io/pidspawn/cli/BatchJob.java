package io.pidspawn.cli;

import io.pidspawn.Sandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of {@code pidspawn batch} input, checked:
 * {@code {"argv": [...], "cwd": "..", "env": {..}, "stdin": "..", "timeout": "..", "kill_grace": "..",
 * "memory_max": "..", "pids_max": N, "cpu_max": X, "ro": [..], "rw": [..], "exec": [..], "net": "..",
 * "scope": "..", "deny_syscall": [..], "sandbox_best_effort": true, "pty": true, "die_with_parent": true}}:
 * the fields of {@code run}'s options of the same names.
 *
 * @param argv the program and its arguments; never empty
 * @param cwd the working directory, or null for pidspawn's
 * @param env variables set on top of pidspawn's environment
 * @param stdin text fed to the child, or null for /dev/null
 * @param timeout how long the job may run, or null for no limit
 * @param killGrace with a timeout: SIGTERM to the job's tree at the timeout, SIGKILL this much
 *     later; null: SIGKILL at the timeout
 * @param limits the cgroup limits of the job's tree
 * @param sandbox the job's sandbox, or null for none
 * @param pty whether the job runs on a pseudo-terminal of its own (stdin, stdout and stderr)
 * @param dieWithParent whether the job's tree dies with pidspawn, even by SIGKILL
 */
record BatchJob(List<String> argv, Path cwd, Map<String, String> env, String stdin, Duration timeout, Duration killGrace,
                Limits limits, Sandbox sandbox, boolean pty, boolean dieWithParent) {
    private static final List<String> KEYS = List.of("argv", "cwd", "env", "stdin", "timeout", "kill_grace", "memory_max",
            "pids_max", "cpu_max", "ro", "rw", "exec", "net", "scope", "deny_syscall", "sandbox_best_effort", "pty",
            "die_with_parent");

    /**
     * The cgroup limits of a job's tree (each null when not set): any of them gives the job a
     * cgroup of its own.
     *
     * @param memoryMax bytes of memory
     * @param pidsMax tasks at once
     * @param cpuMax CPUs' worth of time
     */
    record Limits(Long memoryMax, Integer pidsMax, Double cpuMax) {
        static final Limits NONE = new Limits(null, null, null);

        /** Whether any limit is set. */
        boolean any() {
            return memoryMax != null || pidsMax != null || cpuMax != null;
        }

        /** These limits with those {@code job} sets replacing them. */
        Limits with(Map<?, ?> job) {
            return new Limits(job.containsKey("memory_max") ? BatchJob.memoryMax(job.get("memory_max"), "\"memory_max\"") : memoryMax,
                    job.containsKey("pids_max") ? BatchJob.pidsMax(job.get("pids_max"), "\"pids_max\"") : pidsMax,
                    job.containsKey("cpu_max") ? BatchJob.cpuMax(job.get("cpu_max"), "\"cpu_max\"") : cpuMax);
        }
    }

    /**
     * What the batch command gives every job that does not set it itself.
     *
     * @param timeout the timeout, or null
     * @param killGrace the grace after a timeout's SIGTERM, or null
     * @param limits the limits
     * @param sandbox the sandbox options (the job's fields replace them one by one)
     * @param dieWithParent whether every job's tree dies with pidspawn ({@code --die-with-parent})
     */
    record Defaults(Duration timeout, Duration killGrace, Limits limits, SandboxOptions sandbox, boolean dieWithParent) {
        /** Only a default timeout (or none). */
        static Defaults of(Duration timeout) {
            return new Defaults(timeout, null, Limits.NONE, new SandboxOptions(), false);
        }
    }

    /** As {@link #parse(String, Defaults)}, with no defaults. */
    static BatchJob parse(String line) {
        return parse(line, Defaults.of(null));
    }

    /**
     * Parses one line. Each field the job sets replaces the batch's default; a timeout of 0 or
     * null means none, as with timeout(1); null limits and a null kill_grace mean none too.
     *
     * @throws IllegalArgumentException saying what is wrong with the line, naming the field
     */
    static BatchJob parse(String line, Defaults defaults) {
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
                throw new IllegalArgumentException("unknown key \"" + key + "\" (a job has " + String.join(", ", KEYS) + ")");
            }
        }
        Duration timeout = job.containsKey("timeout") ? timeout(job.get("timeout")) : defaults.timeout();
        Duration grace = job.containsKey("kill_grace") ? grace(job.get("kill_grace")) : defaults.killGrace();
        Object cwd = optional(job, "cwd", String.class);
        return new BatchJob(argv(job.get("argv")), cwd == null ? null : Path.of((String) cwd), env(job.get("env")),
                (String) optional(job, "stdin", String.class), timeout, grace, defaults.limits().with(job),
                sandbox(job, defaults.sandbox()), flag(job, "pty"), flag(job, "die_with_parent") || defaults.dieWithParent());
    }

    /** The job's field that set builder key {@code key} (as a refusal names it), quoted; null for none. */
    static String field(String key) {
        String f = switch (key) {
            case "landlock.ro", "landlock.rw", "landlock.exec" -> key.substring("landlock.".length());
            case "landlock.net.connect", "landlock.net.bind" -> "net";
            case "landlock.scope" -> "scope";
            case "seccomp.deny" -> "deny_syscall";
            case "memory.max", "pids.max", "cpu.max" -> key.replace('.', '_');
            default -> null;
        };
        return f == null ? null : "\"" + f + "\":";
    }

    /** A size as --memory-max takes it ("64M"), or a number of bytes; null: no limit. */
    static Long memoryMax(Object value, String name) {
        if (value == null) {
            return null;
        }
        long bytes;
        try {
            bytes = switch (value) {
                case String s -> io.pidspawn.internal.spawn.Cgroups.parseSize(s);
                case Long n -> n;
                default -> 0;
            };
        } catch (IllegalArgumentException e) {
            bytes = 0;
        }
        if (bytes < 1) {
            throw new IllegalArgumentException(name + ": " + Json.write(value) + " is not a size above 0 (such as 64M, 2G or 67108864)");
        }
        return bytes;
    }

    /** A number of tasks, at least 1; null: no limit. */
    static Integer pidsMax(Object value, String name) {
        if (value == null) {
            return null;
        }
        long n = switch (value) {
            case Long l -> l;
            case String s when s.trim().matches("\\d{1,10}") -> Long.parseLong(s.trim());
            default -> 0;
        };
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + Json.write(value) + " is not a number of tasks (1 or more)");
        }
        return (int) n;
    }

    /** A number of CPUs above 0 (such as 0.5), as a number or a string; null: no limit. */
    static Double cpuMax(Object value, String name) {
        if (value == null) {
            return null;
        }
        double cpus;
        try {
            cpus = switch (value) {
                case Number n -> n.doubleValue();
                case String s -> Double.parseDouble(s.trim());
                default -> 0;
            };
        } catch (NumberFormatException e) {
            cpus = 0;
        }
        if (!(cpus > 0) || cpus > 4096) {
            throw new IllegalArgumentException(name + ": " + Json.write(value) + " is not a number of CPUs above 0 (such as 0.5 or 2)");
        }
        return cpus;
    }

    /** kill_grace: a duration, or a number of seconds; null is none (SIGKILL at the timeout). */
    private static Duration grace(Object value) {
        return switch (value) {
            case null -> null;
            case String s -> Durations.parse("\"kill_grace\"", s);
            case Number n when n.doubleValue() >= 0 -> Durations.parse("\"kill_grace\"", n.toString());
            default -> throw new IllegalArgumentException("\"kill_grace\" must be a duration such as \"5s\" or a number of seconds");
        };
    }

    /** The job's sandbox: the batch's options with the fields the job sets replacing them; null for none. */
    private static Sandbox sandbox(Map<?, ?> job, SandboxOptions defaults) {
        SandboxOptions o = defaults.copy();
        if (job.containsKey("ro")) {
            o.ro = paths(job, "ro");
        }
        if (job.containsKey("rw")) {
            o.rw = paths(job, "rw");
        }
        if (job.containsKey("exec")) {
            o.exec = paths(job, "exec");
        }
        if (job.containsKey("net")) {
            o.net = (String) optional(job, "net", String.class);
        }
        if (job.containsKey("scope")) {
            o.scope = job.get("scope") == null ? null : String.join(",", strings(job, "scope"));
        }
        if (job.containsKey("deny_syscall")) {
            o.denySyscalls = strings(job, "deny_syscall");
        }
        if (job.containsKey("sandbox_best_effort")) {
            Object v = job.get("sandbox_best_effort");
            if (v != null && !(v instanceof Boolean)) {
                throw new IllegalArgumentException("\"sandbox_best_effort\" must be true or false");
            }
            o.bestEffort = Boolean.TRUE.equals(v);
        }
        return o.sandbox(option -> "\"" + option.replace('-', '_') + "\"");
    }

    /** A field that is a string or an array of strings (null: none). */
    private static List<String> strings(Map<?, ?> job, String key) {
        Object v = job.get(key);
        if (v == null) {
            return new ArrayList<>();
        }
        if (v instanceof String s) {
            return new ArrayList<>(List.of(s));
        }
        if (v instanceof List<?> list && list.stream().allMatch(String.class::isInstance)) {
            return new ArrayList<>(list.stream().map(String.class::cast).toList());
        }
        throw new IllegalArgumentException("\"" + key + "\" must be a string or an array of strings");
    }

    /** Sandbox paths: absolute, as Landlock's rules take them. */
    private static List<Path> paths(Map<?, ?> job, String key) {
        List<Path> paths = new ArrayList<>();
        for (String p : strings(job, key)) {
            if (!p.startsWith("/")) {
                throw new IllegalArgumentException("\"" + key + "\": \"" + p + "\" is not an absolute path");
            }
            paths.add(Path.of(p));
        }
        return paths;
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

    /** A true-or-false field ("pty", "die_with_parent"); absent or null is false. */
    private static boolean flag(Map<?, ?> job, String key) {
        return switch (job.get(key)) {
            case null -> false;
            case Boolean b -> b;
            default -> throw new IllegalArgumentException("\"" + key + "\" must be true or false, not " + Json.write(job.get(key)));
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
