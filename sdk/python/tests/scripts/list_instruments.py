# Lists the instruments the API trades through the SDK's client, as a strategy would at start.
import timber

client = timber.Client.from_env()
instruments = client.instruments()
kinds = sorted({instrument["kind"] for instrument in instruments})
eurusd = next(instrument for instrument in instruments if instrument["symbol"] == "EURUSD")
print(f"{len(instruments)} instruments of kinds {' '.join(kinds)}")
print(f"EURUSD step {eurusd['quantity_step']} tick {eurusd['tick_size']}")
client.close()
