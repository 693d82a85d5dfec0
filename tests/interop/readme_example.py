"""The usage shown in the ``oocsi`` package's README, as one runnable script.

Run as ``python readme_example.py PORT`` next to an OOCSI server on localhost.
Alice connects with a direct-message callback, subscribes to ``testchannel``,
sets a variable on ``colorchannel`` and sends to client Bob and to channel
``colorChannel``; she stops once one direct and one channel message came in.
"""

import sys
import threading

from oocsi import OOCSI

port = int(sys.argv[1])
direct_received = threading.Event()
channel_received = threading.Event()


def handle_direct_message(sender: str, recipient: str, event: dict[str, int]) -> None:
    print("direct", event["color"], flush=True)
    direct_received.set()


def handle_color_event(sender: str, recipient: str, event: dict[str, int]) -> None:
    print("channel", event["color"], flush=True)
    channel_received.set()


oocsi = OOCSI("Alice", "localhost", port, callback=handle_direct_message)
print("handle", oocsi.handle, flush=True)
oocsi.subscribe("testchannel", handle_color_event)

color = oocsi.variable("colorchannel", "color")
color.set(255)
print("variable", color.get(), flush=True)

oocsi.send("Bob", {"color": 120})
oocsi.send("colorChannel", {"color": 120})

answered = direct_received.wait(30) and channel_received.wait(30)
oocsi.stop()
sys.exit(0 if answered else 1)
