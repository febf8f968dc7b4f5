package io.pidspawn;

import io.pidspawn.internal.linux.Libc;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Commands chained as a shell's {@code a | b | c}: each stage's stdout is the next one's stdin,
 * through a pipe the kernel carries from child to child, never through this process.
 *
 * <pre>{@code
 * try (Command printf = Command.builder("printf").args("b\\na\\nb\\n").build();
 *      Command sort = Command.builder("sort").build();
 *      Command uniq = Command.builder("uniq").args("-c").build()) {
 *     Pipeline.Result r = Pipeline.of(printf, sort, uniq).output();
 *     if (!r.success()) {                                 // as the shell's pipefail sees it
 *         throw new IOException("stage " + r.failedStage().getAsInt() + " failed: " + r.statuses());
 *     }
 *     String counted = r.last().stdoutText();             // "      1 a\n      2 b\n"
 * }
 * }</pre>
 *
 * The library makes each pipe, gives its ends to the two stages (close-on-exec everywhere else,
 * so no other child inherits one) and closes its own copies as soon as both stages have theirs:
 * a downstream stage sees end of file when its upstream ends, and an upstream stage writing to a
 * downstream one that has ended gets SIGPIPE (EPIPE if it ignores the signal). The first stage's
 * stdin and every stage's stderr are what their commands say (inherited unless set).
 */
public final class Pipeline {
    private final List<Command> stages;

    private Pipeline(List<Command> stages) {
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a pipeline needs at least one command");
        }
        this.stages = List.copyOf(stages);
    }

    /**
     * A pipeline of these commands, each one's stdout the next one's stdin.
     *
     * @param stages the commands, first to last; at least one
     * @return the pipeline
     * @throws IllegalArgumentException if there is no command
     */
    public static Pipeline of(Command... stages) {
        return new Pipeline(List.of(stages));
    }

    /**
     * A pipeline of these commands, each one's stdout the next one's stdin.
     *
     * @param stages the commands, first to last; at least one
     * @return the pipeline
     * @throws IllegalArgumentException if there is no command
     */
    public static Pipeline of(List<Command> stages) {
        return new Pipeline(stages);
    }

    /**
     * The stages, first to last.
     *
     * @return an unmodifiable list
     */
    public List<Command> stages() {
        return stages;
    }

    /**
     * Starts every stage, the last one with {@code lastStdout} as its stdout ({@link Stdio#pipe()}
     * to read it from the last Child, or a file, or inherit; null: what its command says). If a stage cannot be started, the
     * stages already running are killed and reaped and the SpawnException names the stage.
     *
     * @param lastStdout the last stage's stdout, or null for its command's own
     * @return the children, first to last
     * @throws SpawnException if a stage cannot be started; its detail names the stage
     */
    public List<Child> start(Stdio lastStdout) throws SpawnException {
        List<Child> started = new ArrayList<>(stages.size());
        int upstream = -1; // the read end of the pipe from the previous stage
        try {
            for (int i = 0; i < stages.size(); i++) {
                SpawnOverrides o = SpawnOverrides.none();
                if (upstream >= 0) {
                    o = o.withStdin(Stdio.fd(upstream));
                }
                int[] p = null;
                if (i < stages.size() - 1) {
                    p = Libc.pipe2(Libc.O_CLOEXEC);
                    if (p.length == 1) {
                        throw new SpawnException(stages.get(i).program().toString(), SpawnStep.PREPARE, -p[0],
                                "pipe2 to stage " + (i + 1) + " of the pipeline", -1);
                    }
                    o = o.withStdout(Stdio.fd(p[1]));
                } else if (lastStdout != null) {
                    o = o.withStdout(lastStdout);
                }
                try {
                    started.add(stages.get(i).spawn(o));
                } catch (SpawnException e) {
                    if (p != null) {
                        Libc.close(p[0]);
                    }
                    throw new SpawnException(e.program(), e.step(), e.errno(),
                            "stage " + i + " of the pipeline: " + e.detail(), e.actionIndex());
                } finally {
                    if (upstream >= 0) {
                        Libc.close(upstream); // both ends' stages have their copies now
                    }
                    upstream = -1;
                    if (p != null) {
                        Libc.close(p[1]);
                    }
                }
                upstream = p == null ? -1 : p[0];
            }
            return started;
        } catch (SpawnException | RuntimeException e) {
            for (Child c : started) {
                try {
                    c.kill();
                    c.waitFor();
                } catch (ErrnoException | InterruptedException ignored) {
                    // reaped by the reaper all the same
                } finally {
                    c.close();
                }
            }
            throw e;
        }
    }

    /**
     * Runs the pipeline to its end, capturing the last stage's stdout (and stderr, if piped).
     *
     * @return every stage's status and the last one's output
     * @throws ErrnoException if a stage cannot be started or waited for
     * @throws InterruptedException if interrupted while waiting
     */
    public Result output() throws ErrnoException, InterruptedException {
        return output(Capture.defaults());
    }

    /**
     * As {@link #output()}, with the capture's timeout and limit applied to the last stage. When
     * the timeout ends the last stage, every other stage still running is killed (SIGKILL) too;
     * otherwise a stage still running when the last one has ended is waited for.
     *
     * @param capture the capture settings of the last stage
     * @return every stage's status and the last one's output
     * @throws ErrnoException if a stage cannot be started or waited for
     * @throws InterruptedException if interrupted while waiting
     */
    public Result output(Capture capture) throws ErrnoException, InterruptedException {
        List<Child> children = start(Stdio.pipe());
        try {
            Output last = children.getLast().output(capture);
            if (last.timedOut()) {
                for (Child c : children) {
                    c.kill(); // false for one that has ended: nothing to do
                }
            }
            List<ExitStatus> statuses = new ArrayList<>(children.size());
            for (Child c : children) {
                statuses.add(c.waitFor());
            }
            return new Result(List.copyOf(statuses), last);
        } finally {
            for (Child c : children) {
                c.close();
            }
        }
    }

    /**
     * How each stage ended, first to last, and what the last one wrote.
     *
     * @param statuses every stage's exit status, first to last
     * @param last the last stage's output
     */
    public record Result(List<ExitStatus> statuses, Output last) {
        /**
         * The first stage that did not succeed (as the shell's {@code pipefail} sees it), if any.
         *
         * @return its index from 0, or empty if every stage succeeded
         */
        public OptionalInt failedStage() {
            for (int i = 0; i < statuses.size(); i++) {
                if (!statuses.get(i).success()) {
                    return OptionalInt.of(i);
                }
            }
            return OptionalInt.empty();
        }

        /**
         * Whether every stage succeeded.
         *
         * @return true if no stage failed
         */
        public boolean success() {
            return failedStage().isEmpty();
        }
    }
}
