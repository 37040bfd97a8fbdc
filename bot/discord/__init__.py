"""The Discord bot: a thin discord.py adapter over the session logic and the renderers."""
