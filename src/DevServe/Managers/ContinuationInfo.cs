namespace DevServe;

/// <summary>One continuation a manager keeps, as a person inspecting a server wants to see it.</summary>
/// <param name="Instance">The servlet instance (one conversation) it belongs to.</param>
/// <param name="Id">Its id in k-urls (<c>;k=instance.id.salt</c>).</param>
/// <param name="Age">Time since it was stored.</param>
/// <param name="EstimatedBytes">What the manager charges for it.</param>
public readonly record struct ContinuationInfo(int Instance, long Id, TimeSpan Age, long EstimatedBytes);
