# A script that never calls stop(): it must still exit.
import sys

from oocsi import OOCSI

client = OOCSI("example_forgetful", "localhost", int(sys.argv[1]))
client.subscribe("anything", lambda sender, recipient, event: None)
print("connected", flush=True)
