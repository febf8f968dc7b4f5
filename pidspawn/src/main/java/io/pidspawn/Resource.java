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
    CPU, FSIZE, DATA, STACK, CORE, RSS, NPROC, NOFILE, MEMLOCK, AS, LOCKS, SIGPENDING, MSGQUEUE, NICE, RTPRIO, RTTIME;

    /** No limit: RLIM_INFINITY. */
    public static final long UNLIMITED = -1L;

    /** The resource number, as {@code RLIMIT_NOFILE} is 7. */
    public int number() {
        return ordinal();
    }
}
