package io.pidspawn;

/** Which of a child's outputs a chunk or line came from. */
public enum StdStream {
    STDOUT,
    STDERR
}
