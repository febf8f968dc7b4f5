package io.pidspawn;

/**
 * Receives a child's piped stdout and stderr as they arrive ({@link Child#onOutput}): chunks in
 * the order they were read, each tagged with its stream, one call at a time. A call that takes
 * long holds the reading of that child's pipes, so the child blocks once the pipe is full
 * (back-pressure, never unbounded buffering). An exception thrown here stops the relay: the
 * pipes are closed and the future of {@link Child#onOutput} fails with it.
 */
public interface OutputListener {
    /**
     * A chunk as read from the pipe (at most 64 KiB); the array is the listener's to keep.
     *
     * @param stream which output it came from
     * @param bytes the bytes read, never empty
     */
    void onChunk(StdStream stream, byte[] bytes);

    /**
     * The stream reached its end (every process holding the pipe closed it); after its last chunk.
     *
     * @param stream which output ended
     */
    default void onEnd(StdStream stream) {}
}
