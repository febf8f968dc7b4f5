package io.pidspawn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one spawn changes in a {@link Command}: argv[0], more arguments, environment variables,
 * the working directory, stdin, stdout, stderr. Immutable; each {@code with} method returns a copy.
 *
 * <pre>{@code
 * Command git = Command.builder("git").args("-C", repo.toString()).build();
 * Child log = git.spawn(SpawnOverrides.none()
 *         .withArgs("log", "--oneline")
 *         .withEnv("GIT_PAGER", "cat")
 *         .withStdout(Stdio.pipe()));
 * }</pre>
 *
 * The command's compiled template is reused; the differences travel with the spawn. A
 * {@link Stdio#fd} given here is used as it is at spawn time (it is not copied), so it must be
 * open until {@code spawn} returns.
 */
public final class SpawnOverrides {
    private static final SpawnOverrides NONE = new SpawnOverrides(null, List.of(), Map.of(), null, null, null, null);

    private final String arg0;
    private final List<String> args;
    private final Map<String, String> env;
    private final Path cwd;
    private final Stdio stdin;
    private final Stdio stdout;
    private final Stdio stderr;

    private SpawnOverrides(String arg0, List<String> args, Map<String, String> env, Path cwd, Stdio stdin, Stdio stdout,
                           Stdio stderr) {
        this.arg0 = arg0;
        this.args = args;
        this.env = env;
        this.cwd = cwd;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Spawn exactly as the command says.
     *
     * @return the empty overrides, to start from
     */
    public static SpawnOverrides none() {
        return NONE;
    }

    /**
     * What the program sees as argv[0] in this spawn, instead of the command's: one command per
     * executable can serve callers that name it differently (a multi-call binary such as busybox
     * tells its tools apart by argv[0]).
     *
     * @param name the argv[0] the program sees; not null
     * @return a copy with this argv[0]
     * @throws NullPointerException if {@code name} is null
     */
    public SpawnOverrides withArg0(String name) {
        return new SpawnOverrides(Objects.requireNonNull(name, "arg0"), args, env, cwd, stdin, stdout, stderr);
    }

    /**
     * Adds arguments after the command's own (and after any added before).
     *
     * @param more the arguments; none may be null
     * @return a copy with these arguments added
     */
    public SpawnOverrides withArgs(String... more) {
        return withArgs(List.of(more));
    }

    /**
     * Adds arguments after the command's own (and after any added before).
     *
     * @param more the arguments; none may be null
     * @return a copy with these arguments added
     */
    public SpawnOverrides withArgs(List<String> more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(more); // List.of and addAll reject nulls
        return new SpawnOverrides(arg0, List.copyOf(all), env, cwd, stdin, stdout, stderr);
    }

    /**
     * Sets one environment variable on top of the command's environment.
     *
     * @param name the variable's name: not empty, no {@code =} or NUL
     * @param value its value; not null
     * @return a copy with this variable set
     * @throws IllegalArgumentException if the name is not a variable name
     */
    public SpawnOverrides withEnv(String name, String value) {
        Command.checkEnvName(name);
        Map<String, String> all = new LinkedHashMap<>(env);
        all.put(name, Objects.requireNonNull(value, "value"));
        return new SpawnOverrides(arg0, args, Collections.unmodifiableMap(all), cwd, stdin, stdout, stderr);
    }

    /**
     * Sets environment variables on top of the command's environment.
     *
     * @param vars the variables, by name; not null
     * @return a copy with these variables set
     * @throws IllegalArgumentException if a name is not a variable name
     */
    public SpawnOverrides withEnv(Map<String, String> vars) {
        SpawnOverrides o = this;
        for (Map.Entry<String, String> e : vars.entrySet()) {
            o = o.withEnv(e.getKey(), e.getValue());
        }
        return o;
    }

    /**
     * The working directory for this spawn (a relative path is resolved against this process's).
     * It also becomes the spawn's {@code PWD}, as {@link Command.Builder#cwd} describes, when the
     * command inherits this process's environment and neither the command nor these overrides
     * set {@code PWD}.
     *
     * @param dir the directory; not null
     * @return a copy with this working directory
     */
    public SpawnOverrides withCwd(Path dir) {
        return new SpawnOverrides(arg0, args, env, dir.toAbsolutePath(), stdin, stdout, stderr);
    }

    /**
     * Stdin for this spawn instead of the command's.
     *
     * @param s where the child's fd 0 comes from or goes; not null
     * @return a copy with this stdin
     * @throws IllegalArgumentException if {@code s} cannot be stdin: a file to write, or merging with stdout
     */
    public SpawnOverrides withStdin(Stdio s) {
        return new SpawnOverrides(arg0, args, env, cwd, Command.checkStdio(0, s), stdout, stderr);
    }

    /**
     * Stdout for this spawn instead of the command's.
     *
     * @param s where the child's fd 1 comes from or goes; not null
     * @return a copy with this stdout
     * @throws IllegalArgumentException if {@code s} cannot be stdout: a file to read, or merging with stdout
     */
    public SpawnOverrides withStdout(Stdio s) {
        return new SpawnOverrides(arg0, args, env, cwd, stdin, Command.checkStdio(1, s), stderr);
    }

    /**
     * Stderr for this spawn instead of the command's.
     *
     * @param s where the child's fd 2 comes from or goes; not null
     * @return a copy with this stderr
     * @throws IllegalArgumentException if {@code s} cannot be stderr: a file to read
     */
    public SpawnOverrides withStderr(Stdio s) {
        return new SpawnOverrides(arg0, args, env, cwd, stdin, stdout, Command.checkStdio(2, s));
    }

    /** argv[0] for this spawn, or null to keep the command's. */
    String arg0() {
        return arg0;
    }

    List<String> args() {
        return args;
    }

    Map<String, String> env() {
        return env;
    }

    Path cwd() {
        return cwd;
    }

    /** The override for stdio fd 0, 1 or 2, or null to keep the command's. */
    Stdio stdio(int fd) {
        return switch (fd) {
            case 0 -> stdin;
            case 1 -> stdout;
            default -> stderr;
        };
    }

    /** A copy with stdio fd 0, 1 or 2 replaced. */
    SpawnOverrides withStdio(int fd, Stdio s) {
        return switch (fd) {
            case 0 -> withStdin(s);
            case 1 -> withStdout(s);
            default -> withStderr(s);
        };
    }

    @Override
    public String toString() {
        return "SpawnOverrides[" + (arg0 == null ? "" : "arg0=" + arg0 + ", ") + "args=" + args + ", env=" + env.keySet() + ", cwd=" + cwd + ", stdin=" + stdin
                + ", stdout=" + stdout + ", stderr=" + stderr + "]";
    }
}
