namespace VanguardHub.Grains.Infrastructure;

public static class GrainStorage
{
    /// <summary>The name of the grain storage provider every VanguardHub grain persists through.</summary>
    public const string Name = "vanguardhub";
}
