namespace DevServe;

/// <summary>
/// A node's name in its k-urls (<see cref="IManager.Node"/>): 1 to 32 ASCII letters, digits or underscores, so a k-url
/// stays one path parameter and a load balancer's rule can match it (<c>;k=n1-</c>).
/// </summary>
public static class NodeId
{
    /// <summary>What a node id may be, in words (for error messages).</summary>
    public const string Rule = "A node id is 1 to 32 ASCII letters, digits or underscores.";

    /// <summary>Whether <paramref name="id"/> may name a node.</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > 32)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }
        return true;
    }
}
