# A heyOOCSI device description, in the style of the oocsi package's examples.
import sys
import time

from oocsi import OOCSI

port = int(sys.argv[1])


def on_device(sender, recipient, event):
    for name, body in event.items():
        print("device", name, sorted(body["components"]), flush=True)


watcher = OOCSI("example_watcher", "localhost", port)
watcher.subscribe("heyOOCSI!", on_device)
with OOCSI("example_device", "localhost", port) as device_client:
    time.sleep(0.3)
    device = device_client.heyOOCSI("my_lamp")
    device.addProperty("owner", "me")
    device.addLocation("kitchen", 1, 2)
    device.addSensor("temp", "temp_ch", "temperature", "C", 21.5, icon="thermometer")
    device.addLight("lamp", "lamp_ch", "RGBW", "RGB", False, 100, [153, 500])
    device.sayHi()
    time.sleep(0.5)
watcher.stop()
print("done", flush=True)
