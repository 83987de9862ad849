/** Log lines and messages are read by people: "1 credit", "3 credits", "1 image". */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const creditCount = (n: number) => plural(n, 'credit');
