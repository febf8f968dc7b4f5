package io.pidspawn.examples;

/** The examples' one assertion: a wrong result is a message on stderr and exit status 1. */
final class Check {
    private Check() {}

    static void that(boolean ok, String what) {
        if (!ok) {
            System.err.println("FAILED: " + what);
            System.exit(1);
        }
    }
}
