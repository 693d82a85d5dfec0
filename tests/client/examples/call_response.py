# A responder and a caller in the style of the oocsi package's examples.
import sys
import time

from oocsi import OOCSI

port = int(sys.argv[1])


def generate(event):
    event["newColor"] = event["oldColor"] + 1


responder = OOCSI("example_responder", "localhost", port)
responder.register("colorChannel", "colorGenerator", generate)
caller = OOCSI("example_caller", "localhost", port)
time.sleep(0.3)
call = caller.callAndWait("colorChannel", "colorGenerator", {"oldColor": 9}, 2)
print("response", call["response"]["newColor"], flush=True)
pending = caller.call("colorChannel", "colorGenerator", {"oldColor": 1}, 2)
for _ in range(20):
    if "response" in pending:
        break
    time.sleep(0.1)
print("response", pending["response"]["newColor"], flush=True)
caller.stop()
responder.stop()
print("done", flush=True)
