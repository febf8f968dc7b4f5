package io.pidspawn;

/**
 * The resource limits a child can be given ({@code RLIMIT_*}, sys/resource.h), in the kernel's
 * numbering: {@link #number()} is what getrlimit(2) takes.
 *
 * <pre>{@code
 * Command.builder("make")
 *         .rlimit(Resource.NOFILE, 1024, 4096)
 *         .rlimit(Resource.CORE, 0, Resource.UNLIMITED)
 *         .build();
 * }</pre>
 */
public enum Resource {
    /** CPU time, in seconds: SIGXCPU at the soft limit, SIGKILL at the hard one. */
    CPU,
    /** The largest file the process may create, in bytes (SIGXFSZ beyond). */
    FSIZE,
    /** The data segment and heap, in bytes. */
    DATA,
    /** The main thread's stack, in bytes. */
    STACK,
    /** The largest core dump, in bytes; 0 writes none. */
    CORE,
    /** Resident set size, in bytes; Linux ignores it. */
    RSS,
    /** The number of processes and threads of the real user id. */
    NPROC,
    /** One more than the highest file descriptor number the process may open. */
    NOFILE,
    /** Memory locked into RAM, in bytes. */
    MEMLOCK,
    /** The address space, in bytes. */
    AS,
    /** File locks; Linux ignores it. */
    LOCKS,
    /** Signals queued for the real user id. */
    SIGPENDING,
    /** Bytes of POSIX message queues of the real user id. */
    MSGQUEUE,
    /** The ceiling of the nice value, as 20 - nice. */
    NICE,
    /** The ceiling of the real-time priority. */
    RTPRIO,
    /** CPU time under a real-time policy without a blocking call, in microseconds. */
    RTTIME;

    /** No limit: RLIM_INFINITY. */
    public static final long UNLIMITED = -1L;

    /**
     * The resource number, as {@code RLIMIT_NOFILE} is 7.
     *
     * @return the RLIMIT_* number
     */
    public int number() {
        return ordinal();
    }
}
