package io.pidspawn.posix;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;

/**
 * posix_spawnattr_t: the flags and the values they enable. A value takes effect only when its
 * flag is set, as in POSIX.
 *
 * <pre>{@code
 * SpawnAttributes attr = new SpawnAttributes()
 *         .setflags(SpawnAttributes.POSIX_SPAWN_SETPGROUP | SpawnAttributes.POSIX_SPAWN_SETSIGMASK)
 *         .setpgroup(0)
 *         .setsigmask(0);
 * }</pre>
 */
public final class SpawnAttributes {
    // spawn.h (glibc values)
    /** The child's effective ids become its real ones. */
    public static final short POSIX_SPAWN_RESETIDS = 0x01;
    /** The child joins the process group of {@link #setpgroup}. */
    public static final short POSIX_SPAWN_SETPGROUP = 0x02;
    /** The signals of {@link #setsigdefault} are reset to SIG_DFL. */
    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    /** The child starts with the signal mask of {@link #setsigmask}. */
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    /** The child gets the priority of {@link #setschedparam}. */
    public static final short POSIX_SPAWN_SETSCHEDPARAM = 0x10;
    /** The child gets the policy of {@link #setschedpolicy} and the priority of {@link #setschedparam}. */
    public static final short POSIX_SPAWN_SETSCHEDULER = 0x20;
    /** The child starts a new session (POSIX.1-2024). */
    public static final short POSIX_SPAWN_SETSID = 0x80;
    private static final short ALL = POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF
            | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER | POSIX_SPAWN_SETSID;

    // sched.h
    /** The default time-sharing policy. */
    public static final int SCHED_OTHER = 0;
    /** Real-time, first in first out. */
    public static final int SCHED_FIFO = 1;
    /** Real-time, round robin. */
    public static final int SCHED_RR = 2;
    /** Batch: time-sharing for CPU-bound work (Linux). */
    public static final int SCHED_BATCH = 3;
    /** Idle: runs only when nothing else would (Linux). */
    public static final int SCHED_IDLE = 5;

    /** No flags: posix_spawnattr_init. */
    public SpawnAttributes() {}

    short flags;
    int pgroup;
    long sigmask;
    long sigdefault;
    int schedpolicy = SCHED_OTHER;
    int schedpriority;

    /**
     * Sets the flags; an unknown bit is EINVAL, as posix_spawnattr_setflags says.
     *
     * @param newFlags the POSIX_SPAWN_* bits, or-ed
     * @return these attributes
     * @throws ErrnoException EINVAL for an unknown bit
     */
    public SpawnAttributes setflags(short newFlags) throws ErrnoException {
        if ((newFlags & ~ALL) != 0) {
            throw new ErrnoException("posix_spawnattr_setflags", Errno.EINVAL, "unknown flags 0x" + Integer.toHexString(newFlags));
        }
        flags = newFlags;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETPGROUP: the child joins group {@code pgroup}, or leads a new one when it is 0.
     *
     * @param newPgroup the group id, or 0 for a new group
     * @return these attributes
     * @throws ErrnoException EINVAL for a negative group
     */
    public SpawnAttributes setpgroup(int newPgroup) throws ErrnoException {
        if (newPgroup < 0) {
            throw new ErrnoException("posix_spawnattr_setpgroup", Errno.EINVAL, "process group " + newPgroup);
        }
        pgroup = newPgroup;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSIGMASK: the child's signal mask, as a kernel sigset (bit sig-1).
     *
     * @param set the mask; {@link io.pidspawn.Signals#bit} gives a signal's bit
     * @return these attributes
     */
    public SpawnAttributes setsigmask(long set) {
        sigmask = set;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSIGDEF: signals the child resets to SIG_DFL.
     *
     * @param set the signals, as a kernel sigset
     * @return these attributes
     */
    public SpawnAttributes setsigdefault(long set) {
        sigdefault = set;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSCHEDULER: the scheduling policy. As in glibc, only the policies POSIX
     * names are accepted (SCHED_OTHER, SCHED_FIFO, SCHED_RR); others are EINVAL (the builder's
     * {@code sched} key takes SCHED_BATCH and SCHED_IDLE too).
     *
     * @param policy SCHED_OTHER, SCHED_FIFO or SCHED_RR
     * @return these attributes
     * @throws ErrnoException EINVAL for another policy
     */
    public SpawnAttributes setschedpolicy(int policy) throws ErrnoException {
        if (policy != SCHED_OTHER && policy != SCHED_FIFO && policy != SCHED_RR) {
            throw new ErrnoException("posix_spawnattr_setschedpolicy", Errno.EINVAL, "policy " + policy);
        }
        schedpolicy = policy;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSCHEDPARAM (or SETSCHEDULER): the scheduling priority.
     *
     * @param priority the static priority, 0 to 99
     * @return these attributes
     * @throws ErrnoException EINVAL outside 0..99
     */
    public SpawnAttributes setschedparam(int priority) throws ErrnoException {
        if (priority < 0 || priority > 99) {
            throw new ErrnoException("posix_spawnattr_setschedparam", Errno.EINVAL, "priority " + priority);
        }
        schedpriority = priority;
        return this;
    }

    /**
     * The flags, as posix_spawnattr_getflags.
     *
     * @return the POSIX_SPAWN_* bits set
     */
    public short getflags() {
        return flags;
    }

    boolean has(short flag) {
        return (flags & flag) != 0;
    }
}
