console.log('demo: written next');
