"""The sandbox's hosts: what each host of the model answers to the commands Calipso's host
fetchers run (``layout`` says what a host has, the renderers print it like the real tools,
``shell`` interprets a command line, ``server`` serves it all over SSH)."""
