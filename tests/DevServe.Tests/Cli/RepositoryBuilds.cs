namespace DevServe.Tests;

/// <summary>Tests that run <c>dotnet build</c> or <c>pack</c> on the repository's own projects take turns: two restores of one project at once clash.</summary>
public static class RepositoryBuilds
{
    public const string Name = "Builds of the repository's projects";
}
