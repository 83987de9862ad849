/** Log lines and error messages are read by people: "1 credit", "3 credits". */
export const creditCount = (n: number) => `${n} credit${n === 1 ? '' : 's'}`;
