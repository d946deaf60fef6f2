namespace DevServe;

/// <summary>A configuration file that cannot be used; the message names the file, the position and the key.</summary>
public sealed class WebConfigException(string message, Exception? inner = null) : Exception(message, inner);
