// Placeholder until the handler lands; keeps `cdk synth` bundling.
export const handler = async (): Promise<void> => {};
