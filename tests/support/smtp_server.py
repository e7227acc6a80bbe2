"""A real SMTP server for the delivery tests (aiosmtpd): listens on an unused port on
127.0.0.1, prints the port on its first line, and writes every message it accepts to
DIR/<n>.eml (written to a temporary name first, then renamed)."""

import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Save:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, f"{self.count:06d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


async def main(folder):
    loop = asyncio.get_running_loop()
    handler = Save(folder)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="127.0.0.1"), "127.0.0.1", 0
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
