"""The gateway: applications call models through the stored connections with a Switchboard
token, in the OpenAI or the Anthropic format, and never hold a provider key."""
