package io.pidspawn;

/**
 * Spawning failed: which program, at which step, for which action, with which errno.
 *
 * <pre>{@code
 * spawn /usr/bin/nope: exec: ENOENT (No such file or directory)
 * spawn /bin/true: dup2 fd 7 -> 1 (action #2): EBADF (Bad file descriptor)
 * }</pre>
 *
 * A failure in the child before exec is reported synchronously by the call that spawned it, and
 * the failed child has already been reaped.
 */
public class SpawnException extends ErrnoException {
    private static final long serialVersionUID = 1L;

    /** The executable as configured. */
    private final String program;
    /** Where the spawn failed. */
    private final SpawnStep step;
    /** The object of the failing step, or null. */
    private final String detail;
    /** The failing per-run action's index, or -1. */
    private final int actionIndex;

    /**
     * A failed spawn; the message reads {@code spawn PROGRAM: DETAIL (action #N): ENAME (description)}.
     *
     * @param program the executable as configured
     * @param step where it failed
     * @param errno the errno
     * @param detail what the step acted on ({@code dup2 fd 7 -> 1}), or null
     * @param actionIndex the index of the failing per-run action, or -1
     */
    public SpawnException(String program, SpawnStep step, int errno, String detail, int actionIndex) {
        super(errno, format(program, step, errno, detail, actionIndex));
        this.program = program;
        this.step = step;
        this.detail = detail;
        this.actionIndex = actionIndex;
    }

    private static String format(String program, SpawnStep step, int errno, String detail, int actionIndex) {
        StringBuilder m = new StringBuilder("spawn ").append(program).append(": ");
        m.append(detail != null ? detail : step.label());
        if (actionIndex >= 0) {
            m.append(" (action #").append(actionIndex).append(')');
        }
        m.append(": ").append(Errno.describe(errno));
        return m.toString();
    }

    /**
     * The executable as configured.
     *
     * @return the program's path or name
     */
    public String program() {
        return program;
    }

    /**
     * Where the spawn failed.
     *
     * @return the step, never null
     */
    public SpawnStep step() {
        return step;
    }

    /**
     * What the failing step acted on, such as {@code dup2 fd 7 -> 1}; null where only the step is known.
     *
     * @return the detail, or null
     */
    public String detail() {
        return detail;
    }

    /**
     * The index of the failing per-run action, or -1 when the failure was not in one.
     *
     * @return the index into the run's actions, or -1
     */
    public int actionIndex() {
        return actionIndex;
    }
}
