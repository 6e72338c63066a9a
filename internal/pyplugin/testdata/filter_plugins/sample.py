class FilterModule:
    def filters(self):
        return {'greet': lambda x: 'Hi, %s!' % x, 'upto': lambda n: (i for i in range(n)),
                'triple': lambda x, a, b=2: [x, a, b], 'boom': self.boom}

    def boom(self, x):
        raise ValueError("boom: %s" % x)
