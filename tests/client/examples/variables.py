# Two clients sharing a variable, in the style of the oocsi package's examples.
import sys
import time

from oocsi import OOCSI

port = int(sys.argv[1])

first = OOCSI("example_var_1", "localhost", port)
second = OOCSI("example_var_2", "localhost", port)
mine = first.variable("variableChannel", "position")
theirs = second.variable("variableChannel", "position")
time.sleep(0.3)
mine.set(42)
time.sleep(0.5)
print("value", mine.get(), theirs.get(), flush=True)
first.stop()
second.stop()
print("done", flush=True)
