# A receiver and a sender in the style of the oocsi package's examples.
import sys
import time

from oocsi import OOCSI

port = int(sys.argv[1])


def on_color(sender, recipient, event):
    print("received", sender, recipient, event["color"], flush=True)


receiver = OOCSI("example_receiver", "localhost", port)
receiver.subscribe("colorChannel", on_color)
sender = OOCSI("example_sender", "localhost", port)
time.sleep(0.3)
for color in (10, 20, 30):
    sender.send("colorChannel", {"color": color})
time.sleep(0.5)
sender.stop()
receiver.stop()
print("done", flush=True)
