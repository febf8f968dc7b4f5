package io.pidspawn;

/** Which of a child's outputs a chunk or line came from. */
public enum StdStream {
    /** The child's fd 1. */
    STDOUT,
    /** The child's fd 2. */
    STDERR
}
